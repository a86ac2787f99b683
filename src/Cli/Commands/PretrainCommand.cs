using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Cltool.Core;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class PretrainSettings : CommandSettings
{
    [CommandOption("--data <NAME>")]
    [Description("Dataset to pretrain on, e.g. glyphs:pretrain, imagefolder:PATH.")]
    [DefaultValue("glyphs:pretrain")]
    public string Data { get; init; } = "glyphs:pretrain";

    [CommandOption("--model <PRESET>")]
    [Description("ViT preset, e.g. vit-tiny-patch16-224 or a small CPU preset.")]
    [DefaultValue("vit-cpu-28")]
    public string Model { get; init; } = "vit-cpu-28";

    [CommandOption("-o|--out <DIR>")]
    [Description("Output directory for checkpoints, the final safetensors and its model card.")]
    public string? Out { get; init; }

    [CommandOption("--epochs <N>")]
    [Description("Passes over the training split.")]
    [DefaultValue(30)]
    public int Epochs { get; init; } = 30;

    [CommandOption("--batch-size <N>")]
    [Description("Images per optimisation step.")]
    [DefaultValue(128)]
    public int BatchSize { get; init; } = 128;

    [CommandOption("--lr <LR>")]
    [Description("Peak AdamW learning rate (warm-up, then cosine decay).")]
    [DefaultValue(1e-3)]
    public double LearningRate { get; init; } = 1e-3;

    [CommandOption("--seed <SEED>")]
    [Description("Seed for initialisation, sampling and augmentation.")]
    [DefaultValue(1993)]
    public int Seed { get; init; } = 1993;

    [CommandOption("--resume")]
    [Description("Continue from the last complete checkpoint in --out.")]
    public bool Resume { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("auto, cpu or cuda.")]
    [DefaultValue(DeviceKind.Auto)]
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    public override ValidationResult Validate() => Rules.All(
        Rules.Required("--out", Out),
        Rules.Positive("--epochs", Epochs),
        Rules.Positive("--batch-size", BatchSize),
        Rules.Positive("--lr", LearningRate));
}

public sealed class PretrainCommand() : PendingCommand<PretrainSettings>("pretrain", "issue #3");
