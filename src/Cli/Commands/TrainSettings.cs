using System.ComponentModel;
using Cltool.Cli.Infrastructure;
using Cltool.Core;
using Cltool.Core.Adapters.Routed;
using Cltool.Core.Continual;
using Cltool.Core.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class TrainSettings : TorchThreadSettings
{
    [CommandOption("-r|--recipe <FILE>")]
    [Description("Strict JSON recipe (an unknown key is an error); command-line options override it.")]
    public string? Recipe { get; init; }

    [CommandOption("--method <METHOD>")]
    [Description("A method of the catalog: sdlora (default); `cltool methods` lists every method and what it trains.")]
    public string? Method { get; init; }

    [CommandOption("--kd-threshold <TAU>")]
    [Description("sdlora-kd's τ: a module's new direction is absorbed when its least-squares fit by the earlier ones leaves a " +
                 "relative residual ≤ τ (default 9e-4, the paper's; 0 absorbs only exact combinations, 1 everything).")]
    public double? KdThreshold { get; init; }

    [CommandOption("--clora-targets <TARGETS>")]
    [Description("clora: the projections that carry the routed LoRA, qv (default, SD-LoRA's placement) or kv (InfLoRA's).")]
    public string? CloraTargets { get; init; }

    [CommandOption("--clora-lambda <LAMBDA>")]
    [Description("clora: weight λ of the orthogonality penalty ‖Q_oldᵀ·R_δ‖²_F (default 0.01; 0 turns it off).")]
    public double? CloraLambda { get; init; }

    [CommandOption("--clora-basis <BASIS>")]
    [Description("clora: Q_old of the penalty, energy (default: R_old's top singular vectors holding --clora-energy of Σσ²) or raw (R_old).")]
    public string? CloraBasis { get; init; }

    [CommandOption("--clora-energy <SHARE>")]
    [Description("clora: share of R_old's squared singular values the energy basis keeps (default 0.95).")]
    public double? CloraEnergy { get; init; }

    [CommandOption("--clora-plain")]
    [Description("clora: let gradient reach the shared factors through the old route too, A·(R_old + R_δ)·B (the ablation).")]
    public bool CloraPlain { get; init; }

    [CommandOption("--head-align <OPTION>")]
    [Description("Head calibration after each task: none (default; the official code), wa (weight aligning), ca (classifier alignment, " +
                 "the next task keeps the aligned head), ca-restore (SLCA: the next task starts from the head before alignment).")]
    public string? HeadAlign { get; init; }

    [CommandOption("--drift-compensation <KIND>")]
    [Description("How ca's stored class statistics follow the backbone: none (default; SLCA), mean-shift (SDC), linear (a ridge-fitted " +
                 "affine map moves means and covariances). Other than none, every kind is scored on the same backbone.")]
    public string? DriftCompensation { get; init; }

    [CommandOption("--data <NAME>")]
    [Description("Dataset (default fashion-mnist): " + DatasetCatalog.Kinds + ".")]
    public string? Data { get; init; }

    [CommandOption("--base <FILE>")]
    [Description("Pretrained ViT: a cltool model file, or a timm / Hugging Face safetensors file with --model. Default: the built-in base model.")]
    public string? Base { get; init; }

    [CommandOption("--model <PRESET>")]
    [Description("ViT preset of a timm / Hugging Face --base file, e.g. vit-base-patch16-224.")]
    public string? Model { get; init; }

    [CommandOption("-o|--out <RUN_DIR>")]
    [Description("Run directory: recipe, class order, per-task checkpoints, metrics, plots, golden batch.")]
    public string? Out { get; init; }

    [CommandOption("--seed <SEED>")]
    [Description("Seed of the class order (numpy legacy permutation) and of initialisation, data order and augmentation.")]
    public int? Seed { get; init; }

    [CommandOption("--seeds <LIST>")]
    [Description("Several seeds, comma-separated: one run per seed in OUT/seed-S, then OUT/summary.{json,md,png} with mean ± std (as `cltool report`).")]
    public string? Seeds { get; init; }

    /// <summary>The --seeds list; null when the option is absent or not a list of distinct integers.</summary>
    public int[]? SeedList => Seeds?.Split(',') is { } parts && parts.All(p => int.TryParse(p, out _)) && parts.Select(int.Parse).Distinct().Count() == parts.Length
        ? parts.Select(int.Parse).ToArray() : null;

    [CommandOption("--epochs <N>")]
    [Description("Epochs per task, the first task included.")]
    public int? Epochs { get; init; }

    [CommandOption("--batch-size <N>")]
    [Description("Images per step.")]
    public int? BatchSize { get; init; }

    [CommandOption("--lr <LR>")]
    [Description("Learning rate of every task.")]
    public double? LearningRate { get; init; }

    [CommandOption("--train-per-class <N>")]
    [Description("Training images per class (first ones in dataset order); 0 takes all.")]
    public int? TrainPerClass { get; init; }

    [CommandOption("--test-per-class <N>")]
    [Description("Test images per class (first ones in dataset order); 0 takes all.")]
    public int? TestPerClass { get; init; }

    [CommandOption("--workers <N>")]
    [Description("Threads that decode and augment images ahead of the trainer; does not change results.")]
    [DefaultValue(2)]
    public int Workers { get; init; } = 2;

    [CommandOption("--resume")]
    [Description("Continue a killed run in --out from its last complete epoch (same recipe and options).")]
    public bool Resume { get; init; }

    [CommandOption("--dry-run")]
    [Description("Print the resolved recipe and the tasks, then stop.")]
    public bool DryRun { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("auto, cpu or cuda.")]
    [DefaultValue(DeviceKind.Auto)]
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    public override ValidationResult Validate() => Rules.All(
        ValidateThreads(),
        Rules.FileExists("--recipe", Recipe),
        Rules.FileExists("--base", Base),
        Rules.Positive("--epochs", Epochs ?? 1),
        Rules.Positive("--batch-size", BatchSize ?? 1),
        Rules.Positive("--lr", LearningRate ?? 1),
        Rules.NonNegative("--train-per-class", TrainPerClass ?? 0),
        Rules.NonNegative("--test-per-class", TestPerClass ?? 0),
        Rules.Positive("--workers", Workers),
        Rules.Requires(DryRun || Out is not null, "--out is required (the run directory)."),
        Rules.Requires(DriftCompensation is null || DriftCompensations.All.Contains(DriftCompensation),
            $"--drift-compensation must be one of {string.Join(", ", DriftCompensations.All)}, got '{DriftCompensation}'."),
        Rules.Requires(Seeds is null || SeedList is not null, $"--seeds must be distinct integers separated by commas, got '{Seeds}'."),
        Rules.Requires(Seeds is null || Seed is null, "give --seed or --seeds, not both."));

    /// <summary>The recipe file (or the defaults) with every option given on the command line applied on top.</summary>
    public TrainRecipe ToRecipe()
    {
        TrainRecipe recipe = Recipe is null ? new TrainRecipe() : TrainRecipe.Load(Recipe);
        return recipe with
        {
            Method = Method ?? recipe.Method,
            KdThreshold = KdThreshold ?? recipe.KdThreshold,
            HeadAlign = HeadAlign ?? recipe.HeadAlign,
            HeadAlignCompensation = DriftCompensation ?? recipe.HeadAlignCompensation,
            Data = Data ?? recipe.Data,
            Base = Base ?? recipe.Base,
            Model = Model ?? recipe.Model,
            Seed = Seed ?? recipe.Seed,
            Epochs = Epochs ?? recipe.Epochs,
            InitEpochs = Epochs is null ? recipe.InitEpochs : null,
            BatchSize = BatchSize ?? recipe.BatchSize,
            LearningRate = LearningRate ?? recipe.LearningRate,
            InitLearningRate = LearningRate is null ? recipe.InitLearningRate : null,
            TrainPerClass = TrainPerClass ?? recipe.TrainPerClass,
            TestPerClass = TestPerClass ?? recipe.TestPerClass,
            Clora = WithCloraOptions(recipe.Clora),
        };
    }

    /// <summary>The recipe's C-LoRA settings with the --clora-* options applied; unchanged (null stays null) when none is given.</summary>
    CLoraSettings? WithCloraOptions(CLoraSettings? settings)
    {
        if (CloraTargets is null && CloraLambda is null && CloraBasis is null && CloraEnergy is null && !CloraPlain) return settings;
        settings ??= new CLoraSettings();
        return settings with
        {
            Targets = CloraTargets ?? settings.Targets,
            Lambda = CloraLambda ?? settings.Lambda,
            Basis = CloraBasis ?? settings.Basis,
            Energy = CloraEnergy ?? settings.Energy,
            StopOldGradient = !CloraPlain && settings.StopOldGradient,
        };
    }
}
