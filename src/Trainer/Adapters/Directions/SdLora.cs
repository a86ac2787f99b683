using Cltool.Core.Adapters.Directions;
using Cltool.Core.Continual;
using Cltool.Trainer.Continual;
using static TorchSharp.torch;

namespace Cltool.Trainer.Adapters.Directions;

/// <summary>
/// SD-LoRA. Code variant (default, the official code path): a new rank-r direction per task; earlier ones frozen and
/// divided by ‖B‖_F‖A‖_F; the current one unnormalised; every magnitude re-created at 0.8 and trained in every task.
/// Paper variant: directions divided by ‖B·A‖_F, the current one too; magnitudes from 1.0, carried across tasks.
/// Two departures, recipe options for issue 28's drift measurements: carryMagnitudes (the code variant carries them too)
/// and oldMagnitudeLrFactor (the earlier magnitudes learn slower, or not at all).
/// SD-LoRA-RR is the code variant with the recipe's rank schedule; SD-LoRA-KD the code variant that absorbs, after each
/// task from the second on, the new direction of every module whose least-squares fit by the earlier ones is within τ.
/// </summary>
sealed class SdLora(TrainRecipe recipe, bool paper) : DirectionMethod(recipe)
{
    DirectionNorm FrozenNorm => paper ? DirectionNorm.Frobenius : DirectionNorm.FactorProduct;

    public override void BeginTask(int task, ContinualModel model, Generator generator, ITaskInputs inputs)
    {
        var adapter = model.AdapterAs<LoraQkvAdapter>();
        Configure(adapter);
        bool carries = paper || Recipe.CarryMagnitudes == true;
        double[] carried = carries && task > 0 ? adapter.MagnitudeValues() : [];
        if (task > 0) adapter.FreezeCurrent(FrozenNorm);
        adapter.StartDirection(Recipe.RankOf(task), generator);
        double[] magnitudes = carries
            ? [.. carried, Recipe.EffectiveMagnitudeInit]
            : Enumerable.Repeat(Recipe.EffectiveMagnitudeInit, task + 1).ToArray();
        adapter.SetMagnitudes(magnitudes, trainable: true);
    }

    public override void Restore(ContinualCheckpoint checkpoint, ContinualModel model, bool training)
    {
        Configure(model.AdapterAs<LoraQkvAdapter>());
        base.Restore(checkpoint, model, training);
    }

    /// <summary>How the variant normalises the current direction, and the earlier magnitudes' learning-rate factor (a departure when not 1).</summary>
    void Configure(LoraQkvAdapter adapter)
    {
        adapter.CurrentNorm = paper ? DirectionNorm.Frobenius : null;
        adapter.OldMagnitudeGradientScale = Recipe.OldMagnitudeLrFactor ?? 1;
    }

    /// <summary>SD-LoRA-KD, after training and before evaluation, so the task is scored as it is stored.</summary>
    public override IMethodReport? EndTask(int task, ContinualModel model, ITaskInputs inputs)
    {
        if (Recipe.Method != Methods.SdLoraKd || task == 0) return null;
        var adapter = model.AdapterAs<LoraQkvAdapter>();
        IReadOnlyList<ModuleFit> fits = DirectionAbsorption.Plan(adapter.Export(), adapter.MagnitudeValues(), Recipe.EffectiveKdThreshold);
        adapter.Absorb(fits);
        return AbsorptionReport.Of(task, fits);
    }
}
