using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Cltool.Core;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class TrainSettings : CommandSettings
{
    [CommandOption("-r|--recipe <FILE>")]
    [Description("Strict JSON recipe (an unknown key is an error); command-line options override it.")]
    public string? Recipe { get; init; }

    [CommandOption("--data <NAME>")]
    [Description("Dataset: fashion-mnist, glyphs:SET, imagefolder:PATH, cifar100:PATH.")]
    public string? Data { get; init; }

    [CommandOption("--base <FILE>")]
    [Description("Pretrained ViT (safetensors, timm or Hugging Face names). Default: the built-in base model.")]
    public string? Base { get; init; }

    [CommandOption("--method <METHOD>")]
    [Description("sdlora, sdlora-paper, sdlora-rr, sdlora-kd, clora, seq-lora, full-ft, simplecil or joint.")]
    public string? Method { get; init; }

    [CommandOption("-o|--out <RUN_DIR>")]
    [Description("Run directory: recipe, class order, per-task checkpoints, metrics, plots.")]
    public string? Out { get; init; }

    [CommandOption("--seed <SEED>")]
    [Description("Seed of the class order (numpy legacy permutation) and of training.")]
    public int? Seed { get; init; }

    [CommandOption("--epochs <N>")]
    [Description("Epochs per task (overrides the recipe).")]
    public int? Epochs { get; init; }

    [CommandOption("--batch-size <N>")]
    [Description("Images per step (overrides the recipe).")]
    public int? BatchSize { get; init; }

    [CommandOption("--lr <LR>")]
    [Description("Learning rate (overrides the recipe).")]
    public double? LearningRate { get; init; }

    [CommandOption("--resume")]
    [Description("Continue a killed run from its last complete epoch.")]
    public bool Resume { get; init; }

    [CommandOption("--dry-run")]
    [Description("Print the resolved recipe and the tasks, then stop.")]
    public bool DryRun { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("auto, cpu or cuda.")]
    [DefaultValue(DeviceKind.Auto)]
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    public override ValidationResult Validate() => Rules.All(
        Rules.FileExists("--recipe", Recipe),
        Rules.FileExists("--base", Base),
        Rules.Positive("--epochs", Epochs ?? 1),
        Rules.Positive("--batch-size", BatchSize ?? 1),
        Rules.Positive("--lr", LearningRate ?? 1));
}

public sealed class TrainCommand() : PendingCommand<TrainSettings>("train", "issue #4");
