using Cltool.Core.Adapters.Directions;
using Cltool.Core.Adapters.Routed;
using Cltool.Core.Adapters.Subspace;
using Cltool.Core.Errors;
using Cltool.Core.Models;

namespace Cltool.Core.Continual;

/// <summary>
/// Everything that defines a continual-learning run. Read strictly from JSON (an unknown key is an error), overridden by
/// command-line options, validated before any work starts, and written into the run directory and every checkpoint.
/// Defaults are the official SD-LoRA code's (sdlora.py / exps/*.json), scaled to the built-in CPU benchmark's data.
/// </summary>
public sealed record TrainRecipe
{
    /// <summary>The recipe keys that apply to some methods only (<see cref="MethodEntry.Options"/>).</summary>
    public const string KdThresholdKey = "kdThreshold", CloraKey = "clora", InfloraKey = "inflora", CarryMagnitudesKey = "carryMagnitudes", OldMagnitudeLrKey = "oldMagnitudeLrFactor";

    public string Method { get; init; } = Methods.SdLora;
    /// <summary>Dataset spec (see DatasetCatalog).</summary>
    public string Data { get; init; } = "fashion-mnist";
    /// <summary>Training images per class, the first ones in dataset order; 0 takes them all.</summary>
    public int TrainPerClass { get; init; }
    /// <summary>Test images per class, the first ones in dataset order; 0 takes them all.</summary>
    public int TestPerClass { get; init; }
    /// <summary>Pretrained ViT: a cltool model file, or a timm / Hugging Face safetensors file together with <see cref="Model"/>.</summary>
    public string Base { get; init; } = BuiltInModels.DefaultBase;
    /// <summary>ViT preset of a timm / Hugging Face base file; null reads the config from a cltool model file.</summary>
    public string? Model { get; init; }
    /// <summary>base (the base model's own), sdlora-official (224, no normalisation: the official code), timm, native.</summary>
    public string Preprocessing { get; init; } = "base";
    /// <summary>Seed of the class order (numpy legacy permutation) and of initialisation, data order and augmentation.</summary>
    public int Seed { get; init; } = 1993;
    /// <summary>False keeps the dataset's class order.</summary>
    public bool ShuffleClasses { get; init; } = true;
    public int InitClasses { get; init; } = 2;
    public int Increment { get; init; } = 2;
    /// <summary>Tasks the split must make (each of the full size); null: as many as the dataset's classes give.</summary>
    public int? Tasks { get; init; }

    public int Epochs { get; init; } = 2;
    /// <summary>Epochs of the first task; null: <see cref="Epochs"/>.</summary>
    public int? InitEpochs { get; init; }
    public int BatchSize { get; init; } = 128;
    /// <summary>sgd (the code: momentum 0.9, no weight decay), adam (the paper), adamw.</summary>
    public string Optimizer { get; init; } = "sgd";
    public double LearningRate { get; init; } = 0.01;
    /// <summary>Learning rate of the first task; null: <see cref="LearningRate"/>.</summary>
    public double? InitLearningRate { get; init; }
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; }
    /// <summary>
    /// multistep (per epoch, as the SD-LoRA code), cosine (per epoch, to zero), coda-cosine (per epoch, CODA-Prompt's
    /// lr·cos(99π·e / (200·(K−1))), as the InfLoRA code: it ends at 1.6 % of lr), constant.
    /// </summary>
    public string Schedule { get; init; } = "multistep";
    public int[] Milestones { get; init; } = [10000];
    public int[]? InitMilestones { get; init; }
    public double LrDecay { get; init; } = 0.1;
    public double? InitLrDecay { get; init; }

    /// <summary>LoRA rank of every new direction (code: 10).</summary>
    public int Rank { get; init; } = 10;
    /// <summary>Initial magnitude α of every direction; null: 0.8 (code) or 1.0 (sdlora-paper).</summary>
    public double? MagnitudeInit { get; init; }
    /// <summary>RandomResizedCrop's lower area bound (code: 0.05) and horizontal flips (code: on; never for letters).</summary>
    public double MinCropScale { get; init; } = 0.05;
    public bool Flip { get; init; } = true;

    /// <summary>SD-LoRA-KD's τ: the largest relative residual ‖u_t − Σ β_k u_k‖_F at which a module's new direction is absorbed; null: the paper's 9e-4.</summary>
    public double? KdThreshold { get; init; }

    /// <summary>
    /// A departure from SD-LoRA's code (issue 28's drift lever): carry every trained magnitude into the next task instead of
    /// re-creating them all at 0.8 (the paper variant always carries). Null: as the method does.
    /// </summary>
    public bool? CarryMagnitudes { get; init; }

    /// <summary>
    /// A departure from SD-LoRA (issue 28's drift lever): the earlier directions' magnitudes learn at this factor of the
    /// learning rate (0 freezes them), so old classes' features move less. Null: 1, as published.
    /// </summary>
    public double? OldMagnitudeLrFactor { get; init; }

    /// <summary>C-LoRA's placement, penalty and gradient path; null: the defaults of <see cref="CLoraSettings"/>.</summary>
    public CLoraSettings? Clora { get; init; }

    /// <summary>InfLoRA's adapted blocks and energy thresholds; null: the defaults of <see cref="InfLoraSettings"/>.</summary>
    public InfLoraSettings? Inflora { get; init; }

    /// <summary>Head calibration after each task: none (the code), wa, ca, ca-restore (see <see cref="HeadAlignments"/>).</summary>
    public string HeadAlign { get; init; } = HeadAlignments.None;
    /// <summary>Class covariances kept for ca: full (SLCA) or diag (d numbers per class instead of d²).</summary>
    public string HeadAlignCovariance { get; init; } = CovarianceKinds.Full;
    /// <summary>How ca's stored statistics follow the backbone (see <see cref="DriftCompensations"/>); other than none, every compensation is scored.</summary>
    public string HeadAlignCompensation { get; init; } = DriftCompensations.None;
    /// <summary>Mean shift's bandwidth, relative to the data (see <see cref="DriftCompensations.DefaultBandwidth"/>); null: that default.</summary>
    public double? CompensationBandwidth { get; init; }
    /// <summary>The linear map's ridge, relative to the data (see <see cref="DriftCompensations.DefaultRidge"/>); null: that default.</summary>
    public double? CompensationRidge { get; init; }

    public int FirstTaskEpochs => InitEpochs ?? Epochs;
    public double EffectiveKdThreshold => KdThreshold ?? DirectionAbsorption.PaperThreshold;
    public CLoraSettings EffectiveClora => Clora ?? new CLoraSettings();
    public InfLoraSettings EffectiveInflora => Inflora ?? new InfLoraSettings();
    public double EffectiveCompensationBandwidth => CompensationBandwidth ?? DriftCompensations.DefaultBandwidth;
    public double EffectiveCompensationRidge => CompensationRidge ?? DriftCompensations.DefaultRidge;
    /// <summary>The head option this recipe deploys: its alignment on its compensation's statistics ("ca+linear").</summary>
    public string HeadOption => HeadAlignments.Compensated(HeadAlign, HeadAlignCompensation);
    /// <summary>Whether the run embeds each task's images before and after it trains, for the compensations to be estimated.</summary>
    public bool CompensatesDrift => HeadAlignCompensation != DriftCompensations.None;
    /// <summary>Serialised with the recipe, so it must not throw for a method validation has yet to refuse.</summary>
    public double EffectiveMagnitudeInit => MagnitudeInit ?? MethodCatalog.Find(Method)?.MagnitudeInit ?? MethodEntry.DefaultMagnitudeInit;

    public int EpochsOf(int task) => task == 0 ? FirstTaskEpochs : Epochs;
    public double LearningRateOf(int task) => task == 0 ? InitLearningRate ?? LearningRate : LearningRate;
    public int[] MilestonesOf(int task) => task == 0 ? InitMilestones ?? Milestones : Milestones;
    public double LrDecayOf(int task) => task == 0 ? InitLrDecay ?? LrDecay : LrDecay;

    /// <summary>The rank of task <paramref name="task"/>'s adapter: the method's schedule of <see cref="Rank"/> (SD-LoRA-RR reduces it).</summary>
    public int RankOf(int task) => MethodCatalog.Of(Method).RankOf(task, Rank);

    /// <summary>The method-specific keys this recipe sets.</summary>
    public IEnumerable<string> MethodOptions()
    {
        if (KdThreshold is not null) yield return KdThresholdKey;
        if (Clora is not null) yield return CloraKey;
        if (Inflora is not null) yield return InfloraKey;
        if (CarryMagnitudes is not null) yield return CarryMagnitudesKey;
        if (OldMagnitudeLrFactor is not null) yield return OldMagnitudeLrKey;
    }

    /// <summary>Learning rate at <paramref name="epoch"/> of <paramref name="task"/>: MultiStepLR or cosine stepped per epoch.</summary>
    public double LearningRateAt(int task, int epoch) => Schedule switch
    {
        "multistep" => LearningRateOf(task) * Math.Pow(LrDecayOf(task), MilestonesOf(task).Count(milestone => milestone <= epoch)),
        "cosine" => LearningRateOf(task) * 0.5 * (1 + Math.Cos(Math.PI * epoch / EpochsOf(task))),
        "coda-cosine" => EpochsOf(task) == 1 ? LearningRateOf(task) : LearningRateOf(task) * Math.Cos(99 * Math.PI * epoch / (200.0 * (EpochsOf(task) - 1))),
        _ => LearningRateOf(task),
    };

    /// <summary>Checks every value before any work starts; one error naming the field and what was expected.</summary>
    public TrainRecipe Validate()
    {
        Require(MethodCatalog.Find(Method) is not null, $"method '{Method}' is not one of {string.Join(", ", MethodCatalog.Names)}");
        MethodEntry method = MethodCatalog.Of(Method);
        Require(TrainPerClass >= 0 && TestPerClass >= 0, "trainPerClass and testPerClass must be 0 (all) or positive");
        Require(Preprocessing is "base" or "sdlora-official" or "timm" or "native",
            $"preprocessing '{Preprocessing}' is not one of base, sdlora-official, timm, native");
        Require(Model is null || ViTConfig.Presets.ContainsKey(Model), $"model '{Model}' is not a preset ({string.Join(", ", ViTConfig.Presets.Keys)})");
        Require(InitClasses > 0, $"initClasses must be positive, got {InitClasses}");
        Require(Increment > 0, $"increment must be positive, got {Increment}");
        Require(Tasks is null or > 0, $"tasks must be positive, got {Tasks}");
        Require(Epochs > 0 && FirstTaskEpochs > 0, $"epochs and initEpochs must be positive, got {Epochs} and {FirstTaskEpochs}");
        Require(BatchSize > 0, $"batchSize must be positive, got {BatchSize}");
        Require(Optimizer is "sgd" or "adam" or "adamw", $"optimizer '{Optimizer}' is not one of sgd, adam, adamw");
        Require(Optimizer != "adam" || WeightDecay == 0, "optimizer adam takes no weightDecay; use adamw for decoupled weight decay");
        Require(LearningRate > 0 && LearningRateOf(0) > 0 && double.IsFinite(LearningRate + LearningRateOf(0)),
            $"learningRate and initLearningRate must be positive numbers, got {LearningRate} and {LearningRateOf(0)}");
        Require(Momentum is >= 0 and < 1, $"momentum must be in [0, 1), got {Momentum}");
        Require(WeightDecay is >= 0 and <= 1, $"weightDecay must be between 0 and 1, got {WeightDecay}");
        Require(Schedule is "multistep" or "cosine" or "coda-cosine" or "constant", $"schedule '{Schedule}' is not one of multistep, cosine, coda-cosine, constant");
        Require(MilestonesOf(0).All(m => m > 0) && Milestones.All(m => m > 0), "milestones must be positive epochs");
        Require(LrDecay >= 0 && LrDecayOf(0) >= 0, "lrDecay and initLrDecay must not be negative");
        Require(Rank > 0, $"rank must be positive, got {Rank}");
        Require(EffectiveMagnitudeInit > 0 && double.IsFinite(EffectiveMagnitudeInit), $"magnitudeInit must be positive, got {MagnitudeInit}");
        Require(MinCropScale is > 0 and <= 1, $"minCropScale must be in (0, 1], got {MinCropScale}");
        Require(HeadAlignments.All.Contains(HeadAlign), $"headAlign '{HeadAlign}' is not one of {string.Join(", ", HeadAlignments.All)}");
        Require(HeadAlign == HeadAlignments.None || method.TrainsHead,
            $"headAlign '{HeadAlign}' calibrates a trained head across tasks, but method '{Method}' has none to align " +
            $"(simplecil sets its rows from class means, joint learns one task); use headAlign none (--head-align none)" +
            (CompensatesDrift ? " and headAlignCompensation none (--drift-compensation none)" : ""));
        foreach (string key in MethodOptions())
        {
            string[] owners = MethodCatalog.All.Where(m => m.Options.Contains(key)).Select(m => m.Name).ToArray();
            Require(method.Options.Contains(key), $"{key} applies to method {string.Join(", ", owners)} only, not '{Method}'; " +
                                                  $"remove it or use --method {owners[0]}");
        }
        Require(KdThreshold is null or >= 0 && double.IsFinite(EffectiveKdThreshold),
            $"kdThreshold must be a number ≥ 0 (a relative residual; 0 absorbs only exact combinations, 1 absorbs everything), got {KdThreshold}");
        Require(OldMagnitudeLrFactor is null || OldMagnitudeLrFactor >= 0 && double.IsFinite(OldMagnitudeLrFactor.Value),
            $"oldMagnitudeLrFactor must be a number ≥ 0 (0 freezes the earlier magnitudes, 1 is SD-LoRA), got {OldMagnitudeLrFactor}");
        Require(OldMagnitudeLrFactor is null || Optimizer == "sgd" && WeightDecay == 0,
            "oldMagnitudeLrFactor scales the earlier magnitudes' gradient, which is their learning rate only for SGD without weight decay; " +
            $"use optimizer sgd and weightDecay 0 (got {Optimizer}, {WeightDecay})");
        string? cloraProblem = EffectiveClora.Problem();
        Require(cloraProblem is null, cloraProblem!);
        string? infloraProblem = EffectiveInflora.Problem();
        Require(infloraProblem is null, infloraProblem!);
        Require(CovarianceKinds.All.Contains(HeadAlignCovariance), $"headAlignCovariance '{HeadAlignCovariance}' is not one of full, diag");
        ValidateCompensation(method);
        return this;
    }

    void ValidateCompensation(MethodEntry method)
    {
        Require(DriftCompensations.All.Contains(HeadAlignCompensation),
            $"headAlignCompensation '{HeadAlignCompensation}' is not one of {string.Join(", ", DriftCompensations.All)}");
        if (CompensatesDrift)
        {
            Require(method.TrainsHead, $"headAlignCompensation '{HeadAlignCompensation}' moves the class statistics a trained head is aligned on, " +
                                       $"but method '{Method}' has no head to align; use headAlignCompensation none (--drift-compensation none)");
            Require(HeadAlignments.NeedsStatistics(HeadAlign), $"headAlignCompensation '{HeadAlignCompensation}' moves the class statistics ca and " +
                                                               $"ca-restore sample, but headAlign '{HeadAlign}' stores none; use headAlign ca (--head-align ca)");
        }
        Require(CompensatesDrift || CompensationBandwidth is null && CompensationRidge is null,
            "compensationBandwidth and compensationRidge apply only with headAlignCompensation mean-shift or linear; remove them or set one");
        Require(EffectiveCompensationBandwidth > 0 && double.IsFinite(EffectiveCompensationBandwidth),
            $"compensationBandwidth must be a positive number (a multiple of the median sample-to-mean distance), got {CompensationBandwidth}");
        Require(EffectiveCompensationRidge >= 0 && double.IsFinite(EffectiveCompensationRidge),
            $"compensationRidge must be a number ≥ 0 (a multiple of the mean eigenvalue of the features' second moments), got {CompensationRidge}");
    }

    static void Require(bool ok, string message)
    {
        if (!ok) throw new CltoolException($"Recipe: {message}.");
    }

    /// <summary>The tasks of this recipe for a dataset of <paramref name="classes"/> classes; an impossible split is an error.</summary>
    public Scenario CreateScenario(int classes)
    {
        if (InitClasses > classes)
            throw new CltoolException($"Recipe: initClasses {InitClasses} is more than the {classes} classes of '{Data}'.");
        int needed = InitClasses + ((Tasks ?? 1) - 1) * Increment;
        if (Tasks is int tasks && classes != needed)
            throw new CltoolException($"Recipe: {tasks} tasks of initClasses {InitClasses} + increment {Increment} need {needed} classes; " +
                                      $"'{Data}' has {classes}.");
        int[] order = ShuffleClasses ? ClassOrder.FromSeed(Seed, classes) : ClassOrder.Identity(classes);
        Scenario scenario = Scenario.Create(order, InitClasses, Increment);
        return MethodCatalog.Of(Method).OneTask ? scenario.Joint() : scenario;
    }

    public static TrainRecipe Load(string path) => CltoolJson.LoadStrict<TrainRecipe>(path, "Recipe");

    /// <summary>
    /// The same recipe, compared as this cltool writes recipes: records holding arrays (milestones) do not compare by
    /// value, their serialisation does; and a recipe read from an older file has the keys added since at their defaults.
    /// </summary>
    public bool SameAs(TrainRecipe other) => CltoolJson.SerializeCompact(this) == CltoolJson.SerializeCompact(other);
}
