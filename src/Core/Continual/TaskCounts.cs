namespace Cltool.Core.Continual;

/// <summary>
/// One evaluation of one head after a task, per task's classes (index g): test images, images whose argmax over all seen
/// classes is right (class-incremental), whose argmax within their own task's classes is right (task-aware), and whose
/// argmax falls among their own task's classes at all (task-id accuracy).
/// </summary>
public sealed record TaskCounts(long[] Correct, long[] CorrectWithinTask, long[] CorrectTask, long[] Total)
{
    public static TaskCounts Empty(int tasks) => new(new long[tasks], new long[tasks], new long[tasks], new long[tasks]);
}
