using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Cltool.Core;
using Cltool.Core.Data;
using Cltool.Core.Models;
using Cltool.Trainer.Pretraining;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class PretrainSettings : CommandSettings
{
    static readonly PretrainRecipe Defaults = new();

    [CommandOption("--data <NAME>")]
    [Description("Dataset to pretrain on: " + DatasetCatalog.Kinds + ".")]
    [DefaultValue("glyphs:pretrain")]
    public string Data { get; init; } = Defaults.Data;

    [CommandOption("--model <PRESET>")]
    [Description("ViT preset, e.g. vit-cpu-28, vit-tiny-patch16-224.")]
    [DefaultValue("vit-cpu-28")]
    public string Model { get; init; } = Defaults.Model;

    [CommandOption("-o|--out <DIR>")]
    [Description("Output directory: checkpoint.safetensors (every epoch), model.safetensors and model.card.json.")]
    public string? Out { get; init; }

    [CommandOption("--epochs <N>")]
    [Description("Passes over the training split.")]
    [DefaultValue(30)]
    public int Epochs { get; init; } = Defaults.Epochs;

    [CommandOption("--batch-size <N>")]
    [Description("Images per optimisation step.")]
    [DefaultValue(128)]
    public int BatchSize { get; init; } = Defaults.BatchSize;

    [CommandOption("--lr <LR>")]
    [Description("Peak AdamW learning rate (warm-up, then cosine decay).")]
    [DefaultValue(1e-3)]
    public double LearningRate { get; init; } = Defaults.LearningRate;

    [CommandOption("--weight-decay <WD>")]
    [Description("AdamW weight decay (not applied to biases, norms and embeddings).")]
    [DefaultValue(0.05)]
    public double WeightDecay { get; init; } = Defaults.WeightDecay;

    [CommandOption("--warmup-epochs <N>")]
    [Description("Epochs of linear learning-rate warm-up.")]
    [DefaultValue(1.0)]
    public double WarmupEpochs { get; init; } = Defaults.WarmupEpochs;

    [CommandOption("--label-smoothing <S>")]
    [DefaultValue(0.1)]
    [Description("Cross-entropy label smoothing.")]
    public double LabelSmoothing { get; init; } = Defaults.LabelSmoothing;

    [CommandOption("--seed <SEED>")]
    [Description("Seed for initialisation, sampling and augmentation.")]
    [DefaultValue(1993)]
    public int Seed { get; init; } = Defaults.Seed;

    [CommandOption("--workers <N>")]
    [Description("Threads that decode and augment images ahead of the trainer.")]
    [DefaultValue(2)]
    public int Workers { get; init; } = Defaults.Workers;

    [CommandOption("--resume")]
    [Description("Continue from the checkpoint in --out (same options required).")]
    public bool Resume { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("auto, cpu or cuda.")]
    [DefaultValue(DeviceKind.Auto)]
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    public override ValidationResult Validate() => Rules.All(
        Rules.Required("--out", Out),
        Rules.Positive("--epochs", Epochs),
        Rules.Positive("--batch-size", BatchSize),
        Rules.Positive("--lr", LearningRate),
        Rules.InRange("--weight-decay", WeightDecay, 0, 1),
        Rules.InRange("--warmup-epochs", WarmupEpochs, 0, Epochs),
        Rules.InRange("--label-smoothing", LabelSmoothing, 0, 0.5),
        Rules.Positive("--workers", Workers),
        Rules.Requires(ViTConfig.Presets.ContainsKey(Model), $"--model: unknown preset '{Model}'; expected one of: {string.Join(", ", ViTConfig.Presets.Keys)}."));

    public PretrainRecipe ToRecipe() => new()
    {
        Data = Data, Model = Model, Epochs = Epochs, BatchSize = BatchSize, LearningRate = LearningRate, WeightDecay = WeightDecay,
        WarmupEpochs = WarmupEpochs, LabelSmoothing = LabelSmoothing, Seed = Seed, Workers = Workers,
    };
}

public sealed class PretrainCommand(IAnsiConsole console) : Command<PretrainSettings>
{
    public override int Execute(CommandContext context, PretrainSettings settings, CancellationToken cancellationToken)
    {
        PretrainRecipe recipe = settings.ToRecipe();
        ModelCard card = TrainingProgress.Run(console, observer =>
            new Pretrainer(recipe, settings.Out!, observer).Run(settings.Resume, settings.Device, cancellationToken));
        string path = Path.Combine(settings.Out!, card.File);
        console.MarkupLineInterpolated(
            $"wrote [bold]{path}[/] ({card.Bytes / 1e6:F1} MB, {card.Parameters:N0} parameters), held-out accuracy [bold]{card.HeldOutAccuracy:P2}[/] on {card.HeldOutImages} images");
        return 0;
    }
}
