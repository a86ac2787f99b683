using Cltool.Core.Adapters.Directions;
using Cltool.Core.Continual;
using Cltool.Trainer.Continual;
using static TorchSharp.torch;

namespace Cltool.Trainer.Adapters.Directions;

/// <summary>
/// SD-LoRA. Code variant (default, the official code path): a new rank-r direction per task; earlier ones frozen and
/// divided by ‖B‖_F‖A‖_F; the current one unnormalised; every magnitude re-created at 0.8 and trained in every task.
/// Paper variant: directions divided by ‖B·A‖_F, the current one too; magnitudes from 1.0, carried across tasks.
/// SD-LoRA-RR is the code variant with the recipe's rank schedule; SD-LoRA-KD the code variant that absorbs, after each
/// task from the second on, the new direction of every module whose least-squares fit by the earlier ones is within τ.
/// </summary>
sealed class SdLora(TrainRecipe recipe, bool paper) : DirectionMethod(recipe)
{
    DirectionNorm FrozenNorm => paper ? DirectionNorm.Frobenius : DirectionNorm.FactorProduct;

    public override void BeginTask(int task, ContinualModel model, Generator generator)
    {
        var adapter = model.AdapterAs<LoraQkvAdapter>();
        adapter.CurrentNorm = paper ? DirectionNorm.Frobenius : null;
        double[] carried = paper && task > 0 ? adapter.MagnitudeValues() : [];
        if (task > 0) adapter.FreezeCurrent(FrozenNorm);
        adapter.StartDirection(Recipe.RankOf(task), generator);
        double[] magnitudes = paper
            ? [.. carried, Recipe.EffectiveMagnitudeInit]
            : Enumerable.Repeat(Recipe.EffectiveMagnitudeInit, task + 1).ToArray();
        adapter.SetMagnitudes(magnitudes, trainable: true);
    }

    public override void Restore(ContinualCheckpoint checkpoint, ContinualModel model, bool training)
    {
        model.AdapterAs<LoraQkvAdapter>().CurrentNorm = paper ? DirectionNorm.Frobenius : null;
        base.Restore(checkpoint, model, training);
    }

    /// <summary>SD-LoRA-KD, after training and before evaluation, so the task is scored as it is stored.</summary>
    public override AbsorptionReport? EndTask(int task, ContinualModel model, Func<Tensor> newClassMeans)
    {
        if (Recipe.Method != Methods.SdLoraKd || task == 0) return null;
        var adapter = model.AdapterAs<LoraQkvAdapter>();
        IReadOnlyList<ModuleFit> fits = DirectionAbsorption.Plan(adapter.Export(), adapter.MagnitudeValues(), Recipe.EffectiveKdThreshold);
        adapter.Absorb(fits);
        return AbsorptionReport.Of(task, fits);
    }
}
