using Cltool.Cli.Infrastructure;
using Cltool.Core.Continual;
using Cltool.Trainer.Continual;
using Cltool.Trainer.Native;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Cltool.Cli.Commands;

public sealed class EvalCommand(IAnsiConsole console) : Command<EvalSettings>
{
    public override int Execute(CommandContext context, EvalSettings settings, CancellationToken cancellationToken)
    {
        string checkpoint = RunDirectory.ResolveCheckpoint(settings.Checkpoint, settings.Task);
        RunEnvironmentWarnings.Print(checkpoint, console);
        settings.ApplyThreadPolicy(RunManifest.ReadFromCheckpoint(checkpoint)?.Environment.Threads, console);
        torch.Device device = TorchDevices.Resolve(settings.Device, message => console.MarkupLineInterpolated($"[grey]{message}[/]"));
        StageAccuracy result = CheckpointEvaluation.Run(checkpoint, settings.Data, settings.TestPerClass, settings.Workers, device);
        var table = new Table().Title(Markup.Escape($"{checkpoint} on {result.Data}")).AddColumn("classes of")
            .AddColumn(new TableColumn("images").RightAligned()).AddColumn(new TableColumn("accuracy %").RightAligned());
        for (int task = 0; task <= result.Task; task++)
            table.AddTextRow($"task {task + 1}", $"{result.Total[task]}", $"{result.OfTask(task) * 100:F2}");
        table.AddTextRow("all seen", $"{result.Total.Sum()}", $"{result.Overall * 100:F2}");
        console.Write(table);
        console.MarkupLineInterpolated($"accuracy after task {result.Task + 1} on its {result.SeenClasses} classes: [bold]{result.Overall * 100:F2}[/] %");
        if (settings.Drift)
        {
            IReadOnlyList<TaskDrift> drifts = FeatureDrift.Measure(settings.Checkpoint, settings.Task, settings.Workers, device,
                                                                   settings.CompensationBandwidth, settings.CompensationRidge);
            WriteDrift(drifts, result.Task);
            WriteStatisticsErrors(drifts, result.Task);
        }
        return 0;
    }

    void WriteDrift(IReadOnlyList<TaskDrift> drifts, int stage)
    {
        var table = new Table().Title($"class-mean drift since each task ended, at the stage after task {stage + 1}").AddColumn("classes of")
            .AddColumn(new TableColumn("‖Δμ‖/‖μ‖ mean").RightAligned()).AddColumn(new TableColumn("max").RightAligned())
            .AddColumn(new TableColumn("cos(μ_now, μ_then) mean").RightAligned());
        foreach (TaskDrift drift in drifts)
            table.AddTextRow($"task {drift.Task + 1}", $"{drift.MeanRelative:F4}", $"{drift.MaxRelative:F4}", $"{drift.MeanCosine:F4}");
        console.Write(table);
        double[] all = drifts.SelectMany(d => d.Relative).ToArray();
        console.MarkupLineInterpolated($"mean relative drift over the {all.Length} classes: [bold]{all.Average():F4}[/]");
    }

    /// <summary>
    /// The error of the statistics alignment samples, per compensation, against the means measured now; a compensation
    /// whose error over the earlier tasks' classes is not below the uncompensated one is reported as not working.
    /// </summary>
    void WriteStatisticsErrors(IReadOnlyList<TaskDrift> drifts, int stage)
    {
        string[] compensations = drifts[0].Errors.Keys.ToArray();
        if (compensations.Length == 1 || drifts.Count == 1)
        {
            console.MarkupLine(compensations.Length == 1 ? "[grey]the run was trained without --drift-compensation: no compensation to score.[/]"
                                                          : "[grey]the first stage has no earlier statistics to compensate.[/]");
            return;
        }
        var table = new Table().Title($"error of the statistics ca samples, ‖μ_now − μ_stored‖/‖μ_now‖, at the stage after task {stage + 1}")
            .AddColumn("classes of");
        foreach (string compensation in compensations) table.AddColumn(new TableColumn(compensation).RightAligned());
        foreach (TaskDrift drift in drifts)
            table.AddRow([$"task {drift.Task + 1}", .. compensations.Select(c => $"{drift.Errors[c].Average():F4}")]);
        // The stage's own task entered every lineage as measured (no error): the earlier tasks' classes are the ones that tell.
        double Overall(string compensation) => drifts.SkipLast(1).SelectMany(d => d.Errors[compensation]).Average();
        table.AddRow(["earlier classes", .. compensations.Select(c => $"{Overall(c):F4}")]);
        console.Write(table);
        double uncompensated = Overall(DriftCompensations.None);
        foreach (string compensation in compensations.Skip(1))
            console.MarkupLine(Overall(compensation) < uncompensated
                ? $"{compensation}: error {Overall(compensation):F4} vs {uncompensated:F4} uncompensated, [green]{uncompensated / Overall(compensation):F2}x smaller[/]"
                : $"{compensation}: error {Overall(compensation):F4} vs {uncompensated:F4} uncompensated: [red]not working[/] (it does not shrink the error)");
    }
}
