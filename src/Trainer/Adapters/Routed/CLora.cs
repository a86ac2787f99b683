using Cltool.Core.Adapters.Routed;
using Cltool.Core.Continual;
using Cltool.Trainer.Continual;
using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Adapters.Routed;

/// <summary>
/// C-LoRA (arXiv 2502.17920; docs/continual-training.md, "C-LoRA", for what the paper leaves open): one shared routed LoRA per target projection;
/// the first task starts as plain LoRA (R_δ = I), every later one from R_δ = 0 with the orthogonality penalty
/// λ·Σ‖Q_oldᵀ·R_δ‖²_F in the loss; after each task R_old ← R_old + R_δ.
/// </summary>
sealed class CLora(TrainRecipe recipe) : ContinualMethod(recipe)
{
    CLoraSettings Settings => Recipe.EffectiveClora;

    public override IContinualAdapter? CreateAdapter(ViTShape shape, Device device) => new RoutedLoraAdapter(shape, Settings, Recipe.Rank, device);

    public override void BeginTask(int task, ContinualModel model, Generator generator, ITaskInputs inputs)
    {
        var adapter = model.AdapterAs<RoutedLoraAdapter>();
        if (task == 0) adapter.Start(generator);
        else adapter.StartRoutingDelta();
    }

    public override Tensor? Penalty(ContinualModel model)
    {
        if (Settings.Lambda == 0 || model.AdapterAs<RoutedLoraAdapter>().OrthogonalityPenalty() is not { } penalty) return null;
        using Scalar lambda = Settings.Lambda.ToScalar();
        return penalty.mul(lambda);
    }

    public override IMethodReport? EndTask(int task, ContinualModel model, ITaskInputs inputs)
    {
        model.AdapterAs<RoutedLoraAdapter>().MergeRoutingDelta();
        return null;
    }

    public override void Restore(ContinualCheckpoint checkpoint, ContinualModel model, bool training) =>
        model.AdapterAs<RoutedLoraAdapter>().Load(checkpoint.AdapterAs<RoutedLora>(), training);
}
