using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Cltool.Core;
using Cltool.Trainer.Continual;
using Cltool.Core.Continual;
using Cltool.Trainer.Native;
using TorchSharp;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class EvalSettings : TorchThreadSettings
{
    [CommandArgument(0, "<CHECKPOINT>")]
    [Description("A checkpoint of any stage, or a run directory (its last stage).")]
    public string Checkpoint { get; init; } = "";

    [CommandOption("--data <NAME>")]
    [Description("Dataset to evaluate on; default: the run's own test split.")]
    public string? Data { get; init; }

    [CommandOption("--task <K>")]
    [Description("With a run directory: the stage after task K (1-indexed); default the last.")]
    public int? Task { get; init; }

    [CommandOption("--test-per-class <N>")]
    [Description("Test images per class (first ones in dataset order); 0 takes all. Default: as the run.")]
    public int? TestPerClass { get; init; }

    [CommandOption("--drift")]
    [Description("With a run directory trained with --head-align ca or ca-restore: also how far each task's class means moved since " +
                 "that task ended (the statistics alignment samples old classes from), on the same training images.")]
    public bool Drift { get; init; }

    [CommandOption("--workers <N>")]
    [Description("Threads that decode images ahead of the model.")]
    [DefaultValue(2)]
    public int Workers { get; init; } = 2;

    [CommandOption("--device <DEVICE>")]
    [Description("auto, cpu or cuda.")]
    [DefaultValue(DeviceKind.Auto)]
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    public override ValidationResult Validate() => Rules.All(
        ValidateThreads(),
        Rules.PathExists("CHECKPOINT", Checkpoint),
        Rules.Requires(!Drift || Directory.Exists(Checkpoint), "--drift needs a run directory (its statistics/ folder), not a checkpoint file."),
        Rules.Positive("--task", Task ?? 1),
        Rules.NonNegative("--test-per-class", TestPerClass ?? 0),
        Rules.Positive("--workers", Workers));
}

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
        if (settings.Drift) WriteDrift(FeatureDrift.Measure(settings.Checkpoint, settings.Task, settings.Workers, device), result.Task);
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
}
