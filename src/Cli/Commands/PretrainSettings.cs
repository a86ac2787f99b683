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

    [CommandOption("-r|--recipe <FILE>")]
    [Description("Strict JSON recipe (an unknown key is an error); options given here override it.")]
    public string? Recipe { get; init; }

    [CommandOption("--data <NAME>")]
    [Description("Dataset (default glyphs:pretrain): " + DatasetCatalog.Kinds + ".")]
    public string? Data { get; init; }

    [CommandOption("--model <PRESET>")]
    [Description("ViT preset (default vit-cpu-28), e.g. vit-tiny-patch16-224.")]
    public string? Model { get; init; }

    [CommandOption("-o|--out <DIR>")]
    [Description("Output directory: checkpoint.safetensors (every epoch), model.safetensors and model.card.json.")]
    public string? Out { get; init; }

    [CommandOption("--epochs <N>")]
    [Description("Passes over the training split (default 30).")]
    public int? Epochs { get; init; }

    [CommandOption("--batch-size <N>")]
    [Description("Images per optimisation step (default 128).")]
    public int? BatchSize { get; init; }

    [CommandOption("--lr <LR>")]
    [Description("Peak AdamW learning rate, warm-up then cosine decay (default 1e-3).")]
    public double? LearningRate { get; init; }

    [CommandOption("--weight-decay <WD>")]
    [Description("AdamW weight decay, not applied to biases, norms and embeddings (default 0.05).")]
    public double? WeightDecay { get; init; }

    [CommandOption("--warmup-epochs <N>")]
    [Description("Epochs of linear learning-rate warm-up (default 1).")]
    public double? WarmupEpochs { get; init; }

    [CommandOption("--label-smoothing <S>")]
    [Description("Cross-entropy label smoothing (default 0: it makes frozen features transfer worse).")]
    public double? LabelSmoothing { get; init; }

    [CommandOption("--min-crop-scale <S>")]
    [Description("Lower area bound of the random resized crop (default 0.8).")]
    public double? MinCropScale { get; init; }

    [CommandOption("--gradient-clip <NORM>")]
    [Description("Largest global gradient norm per step, 0 for none (default 1).")]
    public double? GradientClip { get; init; }

    [CommandOption("--seed <SEED>")]
    [Description("Seed for initialisation, sampling and augmentation (default 1993).")]
    public int? Seed { get; init; }

    [CommandOption("--workers <N>")]
    [Description("Threads that decode and augment images ahead of the trainer; does not change results.")]
    [DefaultValue(2)]
    public int Workers { get; init; } = 2;

    [CommandOption("--resume")]
    [Description("Continue from the checkpoint in --out with the same options; a larger --epochs continues a finished or stopped run to that many epochs (from there on the cosine planned over the new length).")]
    public bool Resume { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("auto, cpu or cuda.")]
    [DefaultValue(DeviceKind.Auto)]
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    public override ValidationResult Validate() => Rules.All(
        Rules.Required("--out", Out),
        Rules.FileExists("--recipe", Recipe),
        Rules.Positive("--workers", Workers));

    /// <summary>The recipe file (or the defaults) with every option given on the command line applied on top.</summary>
    public PretrainRecipe ToRecipe()
    {
        PretrainRecipe recipe = Recipe is null ? Defaults : CltoolJson.LoadStrict<PretrainRecipe>(Recipe, "Recipe");
        return recipe with
        {
            Data = Data ?? recipe.Data,
            Model = Model ?? recipe.Model,
            Epochs = Epochs ?? recipe.Epochs,
            BatchSize = BatchSize ?? recipe.BatchSize,
            LearningRate = LearningRate ?? recipe.LearningRate,
            WeightDecay = WeightDecay ?? recipe.WeightDecay,
            WarmupEpochs = WarmupEpochs ?? recipe.WarmupEpochs,
            LabelSmoothing = LabelSmoothing ?? recipe.LabelSmoothing,
            MinCropScale = MinCropScale ?? recipe.MinCropScale,
            GradientClip = GradientClip ?? recipe.GradientClip,
            Seed = Seed ?? recipe.Seed,
        };
    }
}
