using Cltool.Core.Continual;
using Spectre.Console;

namespace Cltool.Cli.Infrastructure;

/// <summary>The accuracy matrix and its headline metrics as a console table.</summary>
public static class AccuracyReport
{
    public static void Write(IAnsiConsole console, string title, AccuracyMatrix matrix)
    {
        var table = new Table().Title(Markup.Escape(title)).AddColumn("classes of");
        for (int j = 0; j < matrix.Completed; j++) table.AddColumn(new TableColumn($"after {j + 1}").RightAligned());
        for (int g = 0; g < matrix.Tasks; g++)
            table.AddTextRow([$"task {g + 1}", .. Enumerable.Range(0, matrix.Completed).Select(j => Percent(matrix[g, j]))]);
        table.AddTextRow(["all seen", .. Enumerable.Range(0, matrix.Completed).Select(j => Percent(matrix.AccuracyAfter(j)))]);
        console.Write(table);
        console.MarkupLineInterpolated(
            $"Acc (last) [bold]{matrix.Last * 100:F2}[/]  AAA [bold]{matrix.AverageAnytime * 100:F2}[/]  forgetting [bold]{matrix.Forgetting * 100:F2}[/]  (%, sample-weighted)");
    }

    /// <summary>
    /// What explains a run's numbers: with the task id given, how often the argmax lands in the image's own task, each task
    /// right after it was learned, and every head option the run scored on the same backbone.
    /// </summary>
    public static void WriteDiagnostics(IAnsiConsole console, MetricsReport report)
    {
        if (report.TaskAware is { } aware)
            console.MarkupLineInterpolated(
                $"[grey]diagnostic, task id given (argmax within the image's own task): Acc {aware.Acc * 100:F2}  AAA {aware.Aaa * 100:F2}  forgetting {aware.Forgetting * 100:F2}[/]");
        if (report.TaskId is { } taskId)
            console.MarkupLineInterpolated($"[grey]task-id accuracy (argmax among the image's own task's classes): {taskId.Acc * 100:F2}[/]");
        if (report.WhenLearned is { Length: > 0 } learned)
            console.MarkupLineInterpolated(
                $"[grey]each task's classes right after learning them: {string.Join("  ", learned.Select(Percent))} (mean {learned.Average() * 100:F2})[/]");
        if (report.Alternatives is not { Count: > 0 } alternatives) return;
        var table = new Table().Title("head options on the same backbone (%)").AddColumn("head").AddColumn(new TableColumn("Acc").RightAligned())
            .AddColumn(new TableColumn("AAA").RightAligned()).AddColumn(new TableColumn("forgetting").RightAligned())
            .AddColumn(new TableColumn("task id given").RightAligned()).AddColumn(new TableColumn("task-id acc").RightAligned())
            .AddColumn(new TableColumn("align s").RightAligned()).AddColumn(new TableColumn("statistics MB").RightAligned());
        foreach ((string option, MetricsReport scores) in alternatives.Prepend(new(report.HeadAlign ?? HeadAlignments.None, report)))
            table.AddTextRow(option + (option == report.HeadAlign ? " (this run's)" : ""), Percent(scores.Acc), Percent(scores.Aaa), Percent(scores.Forgetting),
                Percent(scores.TaskAware?.Acc ?? double.NaN), Percent(scores.TaskId?.Acc ?? double.NaN), $"{scores.HeadAlignSeconds:F1}",
                $"{scores.StatisticsBytes / 1e6:F2}");
        console.Write(table);
    }

    /// <summary>Each task's training seconds, the process's peak memory by its end and, per parameter group, the numbers trained during it / stored after it.</summary>
    public static void WriteCosts(IAnsiConsole console, MetricsReport report)
    {
        if (report.Costs is not { Length: > 0 } costs) return;
        var table = new Table().Title("parameters per task, trainable / stored").AddColumn("task").AddColumn(new TableColumn("training s").RightAligned())
            .AddColumn(new TableColumn("peak RSS MB").RightAligned());
        foreach (string group in ParameterGroups.All) table.AddColumn(new TableColumn(group).RightAligned());
        for (int task = 0; task < costs.Length; task++)
        {
            var byName = costs[task].Parameters.ToDictionary(g => g.Name);
            table.AddTextRow([$"{task + 1}", $"{costs[task].TrainingSeconds:F1}", costs[task].PeakResidentMegabytes is { } peak ? $"{peak:F0}" : "—",
                .. ParameterGroups.All.Select(name => byName.TryGetValue(name, out ParameterGroup? g) ? $"{g.Trainable:N0} / {g.Stored:N0}" : "")]);
        }
        console.Write(table);
    }

    static string Percent(double value) => double.IsNaN(value) ? "" : $"{value * 100:F2}";
}
