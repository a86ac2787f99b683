using Cltool.Core.Errors;
using Cltool.Core.Models;

namespace Cltool.Trainer.Pretraining;

/// <summary>Everything that defines a pretraining run; written into the checkpoint and the model card.</summary>
public sealed record PretrainRecipe
{
    public string Data { get; init; } = "glyphs:pretrain";
    public string Model { get; init; } = "vit-cpu-28";
    public int Epochs { get; init; } = 30;
    public int BatchSize { get; init; } = 128;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 0.05;
    public double WarmupEpochs { get; init; } = 1;
    /// <summary>0 by default: label smoothing raises top-1 but makes frozen features transfer worse (Kornblith et al. 2021).</summary>
    public double LabelSmoothing { get; init; }
    /// <summary>RandomResizedCrop's lower scale bound; glyphs tolerate mild crops only.</summary>
    public double MinCropScale { get; init; } = 0.8;
    /// <summary>Largest global gradient norm per step (0: no clipping).</summary>
    public double GradientClip { get; init; } = 1.0;
    public int Seed { get; init; } = 1993;
    /// <summary>
    /// How a continued run got here (<c>cltool pretrain --resume --epochs N</c>), oldest first. Each epoch follows the
    /// warm-up and cosine of the first plan it comes before, and after the last of them the one over <see cref="Epochs"/>:
    /// a run continued from E to N epochs follows, from epoch E on, the schedule it would have had if planned for N from
    /// the start (for a finished run a warm restart: from the end of its cosine back to the longer plan's rate at E).
    /// </summary>
    public EarlierPlan[] EarlierPlans { get; init; } = [];

    /// <summary>The length of the plan whose schedule epoch <paramref name="epoch"/> (0-indexed) follows.</summary>
    public int PlannedEpochsAt(int epoch) => EarlierPlans.FirstOrDefault(plan => epoch < plan.ContinuedAt)?.Epochs ?? Epochs;

    /// <summary>This recipe continued from <paramref name="completed"/> epochs to <paramref name="epochs"/>.</summary>
    public PretrainRecipe ContinuedTo(int epochs, int completed) =>
        this with { Epochs = epochs, EarlierPlans = [.. EarlierPlans, new EarlierPlan(Epochs, completed)] };

    /// <summary>The same recipe, compared by serialisation (records holding arrays do not compare by value).</summary>
    public bool SameAs(PretrainRecipe other) => CltoolJson.SerializeCompact(this) == CltoolJson.SerializeCompact(other);

    /// <summary>Checks every value before any work starts; one error naming the field and what was expected.</summary>
    public PretrainRecipe Validate()
    {
        void Require(bool ok, string message)
        {
            if (!ok) throw new CltoolException($"Pretraining recipe: {message}.");
        }
        Require(Epochs > 0, $"epochs must be positive, got {Epochs}");
        Require(BatchSize > 0, $"batchSize must be positive, got {BatchSize}");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"learningRate must be a positive number, got {LearningRate}");
        Require(WeightDecay is >= 0 and <= 1, $"weightDecay must be between 0 and 1, got {WeightDecay}");
        Require(WarmupEpochs >= 0 && WarmupEpochs <= Epochs, $"warmupEpochs must be between 0 and epochs ({Epochs}), got {WarmupEpochs}");
        Require(LabelSmoothing is >= 0 and < 1, $"labelSmoothing must be in [0, 1), got {LabelSmoothing}");
        Require(MinCropScale is > 0 and <= 1, $"minCropScale must be in (0, 1], got {MinCropScale}");
        Require(GradientClip >= 0 && double.IsFinite(GradientClip), $"gradientClip must be 0 (off) or a positive number, got {GradientClip}");
        for (int i = 0; i < EarlierPlans.Length; i++)
        {
            EarlierPlan plan = EarlierPlans[i];
            int previous = i == 0 ? 0 : EarlierPlans[i - 1].ContinuedAt;
            Require(plan.ContinuedAt > previous && plan.ContinuedAt <= plan.Epochs && plan.ContinuedAt < Epochs,
                $"earlierPlans[{i}] continued at epoch {plan.ContinuedAt} of a {plan.Epochs}-epoch plan; expected after {previous}, " +
                $"within that plan and before epochs ({Epochs})");
        }
        Require(ViTConfig.Presets.ContainsKey(Model), $"model '{Model}' is not a preset ({string.Join(", ", ViTConfig.Presets.Keys)})");
        return this;
    }
}
