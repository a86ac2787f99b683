namespace Cltool.Core.Continual;

/// <summary>The three accuracy matrices one head's evaluations fill: class-incremental, task-aware and task-id.</summary>
public sealed class HeadScores
{
    public HeadScores(int tasks) : this(new AccuracyMatrix(tasks), new AccuracyMatrix(tasks), new AccuracyMatrix(tasks)) { }

    HeadScores(AccuracyMatrix classIncremental, AccuracyMatrix taskAware, AccuracyMatrix taskId) =>
        (ClassIncremental, TaskAware, TaskId) = (classIncremental, taskAware, taskId);

    public AccuracyMatrix ClassIncremental { get; }
    public AccuracyMatrix TaskAware { get; }
    public AccuracyMatrix TaskId { get; }

    public void Record(int task, TaskCounts counts)
    {
        ClassIncremental.Record(task, counts.Correct, counts.Total);
        TaskAware.Record(task, counts.CorrectWithinTask, counts.Total);
        TaskId.Record(task, counts.CorrectTask, counts.Total);
    }

    public MetricsReport ToReport() => ClassIncremental.ToReport(TaskAware, TaskId);

    /// <summary>The scores a report holds; reports written before task-id accuracy existed start that matrix empty.</summary>
    public static HeadScores FromReport(MetricsReport report, int tasks) => new(
        AccuracyMatrix.FromReport(report),
        report.TaskAware is { } aware ? AccuracyMatrix.FromReport(aware) : new AccuracyMatrix(tasks),
        report.TaskId is { } taskId ? AccuracyMatrix.FromReport(taskId) : new AccuracyMatrix(tasks));
}
