using System.Globalization;
using System.Text;

namespace Cltool.Core.Continual;

/// <summary>
/// Test results of a class-incremental run: correct and total counts on each task's classes (row g) after training
/// each task (column j, j ≥ g). Every metric derives from these counts, sample-weighted as the reference code
/// (PILOT's toolkit.accuracy) computes them.
/// </summary>
public sealed class AccuracyMatrix
{
    readonly long[,] _correct;
    readonly long[,] _total;

    public AccuracyMatrix(int tasks)
    {
        Tasks = tasks;
        _correct = new long[tasks, tasks];
        _total = new long[tasks, tasks];
    }

    public int Tasks { get; }

    /// <summary>Columns filled so far (tasks evaluated).</summary>
    public int Completed { get; private set; }

    /// <summary>Records the evaluation after task <paramref name="afterTask"/>: per-task correct and total counts.</summary>
    public void Record(int afterTask, IReadOnlyList<long> correct, IReadOnlyList<long> total)
    {
        if (afterTask != Completed) throw new InvalidOperationException($"Expected results after task {Completed}, got {afterTask}.");
        for (int g = 0; g <= afterTask; g++)
        {
            _correct[g, afterTask] = correct[g];
            _total[g, afterTask] = total[g];
        }
        Completed++;
    }

    /// <summary>Accuracy on task g's classes after task j; NaN before task g was trained.</summary>
    public double this[int g, int j] => j < g || j >= Completed || _total[g, j] == 0 ? double.NaN : (double)_correct[g, j] / _total[g, j];

    /// <summary>acc_j: top-1 over all test samples of all classes seen after task j (sample-weighted).</summary>
    public double AccuracyAfter(int j)
    {
        long correct = 0, total = 0;
        for (int g = 0; g <= j; g++)
        {
            correct += _correct[g, j];
            total += _total[g, j];
        }
        return total == 0 ? double.NaN : (double)correct / total;
    }

    /// <summary>Acc: accuracy after the last completed task.</summary>
    public double Last => AccuracyAfter(Completed - 1);

    /// <summary>AAA: mean of acc_j over the completed tasks.</summary>
    public double AverageAnytime => Enumerable.Range(0, Completed).Average(AccuracyAfter);

    /// <summary>Forgetting: mean over all but the last task of (best accuracy on it at any time − accuracy on it now).</summary>
    public double Forgetting
    {
        get
        {
            int last = Completed - 1;
            if (last < 1) return 0;
            return Enumerable.Range(0, last)
                .Average(g => Enumerable.Range(g, last - g + 1).Max(j => this[g, j]) - this[g, last]);
        }
    }

    /// <summary>Accuracy on each task's classes right after learning them (the diagonal).</summary>
    public double[] WhenLearned => Enumerable.Range(0, Completed).Select(g => this[g, g]).ToArray();

    /// <summary>
    /// The report, with the task-aware and task-id matrices of the same evaluations nested when given; before any task is
    /// evaluated (a resume point inside task 1) its headline numbers are 0.
    /// </summary>
    public MetricsReport ToReport(AccuracyMatrix? taskAware = null, AccuracyMatrix? taskId = null) => new(
        Completed == 0 ? 0 : Math.Round(Last, 6), Completed == 0 ? 0 : Math.Round(AverageAnytime, 6), Math.Round(Forgetting, 6),
        Enumerable.Range(0, Completed).Select(j => Math.Round(AccuracyAfter(j), 6)).ToArray(),
        Enumerable.Range(0, Tasks).Select(g => Enumerable.Range(0, Completed).Select(j => Rounded(this[g, j])).ToArray()).ToArray(),
        Enumerable.Range(0, Tasks).Select(g => Enumerable.Range(0, Completed).Select(j => _correct[g, j]).ToArray()).ToArray(),
        Enumerable.Range(0, Tasks).Select(g => Enumerable.Range(0, Completed).Select(j => _total[g, j]).ToArray()).ToArray(),
        taskAware?.ToReport(), taskId?.ToReport(),
        WhenLearned.Select(value => Math.Round(value, 6)).ToArray());

    public static AccuracyMatrix FromReport(MetricsReport report)
    {
        var matrix = new AccuracyMatrix(report.Correct.Length);
        for (int j = 0; j < report.AccuracyAfterTask.Length; j++)
            matrix.Record(j, report.Correct.Select(row => row[j]).ToArray(), report.Total.Select(row => row[j]).ToArray());
        return matrix;
    }

    /// <summary>CSV: one row per task's classes, one column per training stage, accuracy in [0, 1], empty before training.</summary>
    public string ToCsv()
    {
        var csv = new StringBuilder("classes_of_task," + string.Join(",", Enumerable.Range(1, Completed).Select(j => $"after_task_{j}")) + "\n");
        for (int g = 0; g < Tasks; g++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{g + 1}");
            for (int j = 0; j < Completed; j++)
                csv.Append(',').Append(double.IsNaN(this[g, j]) ? "" : this[g, j].ToString("F6", CultureInfo.InvariantCulture));
            csv.Append('\n');
        }
        csv.Append("all_seen");
        for (int j = 0; j < Completed; j++) csv.Append(',').Append(AccuracyAfter(j).ToString("F6", CultureInfo.InvariantCulture));
        return csv.Append('\n').ToString();
    }

    static double? Rounded(double value) => double.IsNaN(value) ? null : Math.Round(value, 6);
}
