using Cltool.Core.Continual;
using Cltool.Core.Errors;
using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual;

/// <summary>
/// What distinguishes the methods of one learner loop: which parameters train, and what happens when a task starts and
/// ends. Everything else (data, head growth, the masked loss, optimiser, schedule, evaluation, checkpoints) is shared.
/// </summary>
public abstract class ContinualMethod(TrainRecipe recipe)
{
    protected TrainRecipe Recipe => recipe;

    public static ContinualMethod For(TrainRecipe recipe) => recipe.Method switch
    {
        Methods.SdLora or Methods.SdLoraRr or Methods.SdLoraKd => new SdLora(recipe, paper: false),
        Methods.SdLoraPaper => new SdLora(recipe, paper: true),
        Methods.CLora => new CLora(recipe),
        Methods.SeqLora or Methods.Joint => new SequentialLora(recipe),
        Methods.FullFineTune => new FullFineTune(recipe),
        Methods.SimpleCil => new SimpleCil(recipe),
        _ => throw new CltoolException($"Unknown method '{recipe.Method}'; this cltool trains and evaluates {string.Join(", ", Methods.All)}."),
    };

    /// <summary>The method's adapter on the qkv projections of a ViT of <paramref name="shape"/>; null: none.</summary>
    public virtual IContinualAdapter? CreateAdapter(ViTShape shape, Device device) => new LoraQkvAdapter(shape, device);

    /// <summary>False for methods without gradient training (SimpleCIL).</summary>
    public virtual bool Trains => true;

    /// <summary>Prepares task <paramref name="task"/> after the head has grown.</summary>
    public abstract void BeginTask(int task, ContinualModel model, Generator generator);

    public virtual IEnumerable<(string Name, Tensor Parameter)> Trainable(ContinualModel model) =>
        model.HeadParameters().Concat(model.Adapter!.TrainableParameters());

    /// <summary>
    /// Finishes task <paramref name="task"/>; <paramref name="newClassMeans"/> measures the class-token mean of each new
    /// class [n, dim]. Returns what SD-LoRA-KD absorbed (null for every other method).
    /// </summary>
    public virtual AbsorptionReport? EndTask(int task, ContinualModel model, Func<Tensor> newClassMeans) => null;

    /// <summary>A term added to the task's loss (C-LoRA's orthogonality penalty); null: none.</summary>
    public virtual Tensor? Penalty(ContinualModel model) => null;

    /// <summary>
    /// Rebuilds the adapter of a checkpoint. <paramref name="training"/> (a resumed run): every direction frozen but the
    /// last, which stays trainable, as do the magnitudes where the method trains them; otherwise everything is frozen.
    /// </summary>
    public virtual void Restore(ContinualCheckpoint checkpoint, ContinualModel model, bool training)
    {
        if (model.Adapter is not LoraQkvAdapter adapter) return;
        int last = checkpoint.Directions.Count - 1;
        for (int i = 0; i <= last; i++) adapter.Load(checkpoint.Directions[i], trainable: training && i == last);
        adapter.SetMagnitudes(checkpoint.Magnitudes, training && MagnitudesTrain);
    }

    protected virtual bool MagnitudesTrain => true;
}

/// <summary>
/// SD-LoRA. Code variant (default, the official code path): a new rank-r direction per task; earlier ones frozen and
/// divided by ‖B‖_F‖A‖_F; the current one unnormalised; every magnitude re-created at 0.8 and trained in every task.
/// Paper variant: directions divided by ‖B·A‖_F, the current one too; magnitudes from 1.0, carried across tasks.
/// SD-LoRA-RR is the code variant with the recipe's rank schedule; SD-LoRA-KD the code variant that absorbs, after each
/// task from the second on, the new direction of every module whose least-squares fit by the earlier ones is within τ.
/// </summary>
sealed class SdLora(TrainRecipe recipe, bool paper) : ContinualMethod(recipe)
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

/// <summary>
/// C-LoRA (arXiv 2502.17920; README "C-LoRA" for what the paper leaves open): one shared routed LoRA per target projection;
/// the first task starts as plain LoRA (R_δ = I), every later one from R_δ = 0 with the orthogonality penalty
/// λ·Σ‖Q_oldᵀ·R_δ‖²_F in the loss; after each task R_old ← R_old + R_δ.
/// </summary>
sealed class CLora(TrainRecipe recipe) : ContinualMethod(recipe)
{
    CLoraSettings Settings => Recipe.EffectiveClora;

    public override IContinualAdapter? CreateAdapter(ViTShape shape, Device device) => new RoutedLoraAdapter(shape, Settings, Recipe.Rank, device);

    public override void BeginTask(int task, ContinualModel model, Generator generator)
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

    public override AbsorptionReport? EndTask(int task, ContinualModel model, Func<Tensor> newClassMeans)
    {
        model.AdapterAs<RoutedLoraAdapter>().MergeRoutingDelta();
        return null;
    }

    public override void Restore(ContinualCheckpoint checkpoint, ContinualModel model, bool training) =>
        model.AdapterAs<RoutedLoraAdapter>().Load(checkpoint.Routed ?? throw new InvalidOperationException("A clora checkpoint without its routed adapter."), training);
}

/// <summary>One LoRA (rank r, q and v) trained task after task with magnitude 1: seq-lora, and joint on a single task.</summary>
sealed class SequentialLora(TrainRecipe recipe) : ContinualMethod(recipe)
{
    protected override bool MagnitudesTrain => false;

    public override void BeginTask(int task, ContinualModel model, Generator generator)
    {
        if (task > 0) return;
        var adapter = model.AdapterAs<LoraQkvAdapter>();
        adapter.StartDirection(Recipe.Rank, generator);
        adapter.SetMagnitudes([1.0], trainable: false);
    }
}

/// <summary>Sequential fine-tuning of every backbone weight and the head, with the same masked loss.</summary>
sealed class FullFineTune(TrainRecipe recipe) : ContinualMethod(recipe)
{
    public override IContinualAdapter? CreateAdapter(ViTShape shape, Device device) => null;

    public override void BeginTask(int task, ContinualModel model, Generator generator) => model.TrainBackbone(true);

    public override IEnumerable<(string Name, Tensor Parameter)> Trainable(ContinualModel model) =>
        model.BackboneParameters().Concat(model.HeadParameters());
}

/// <summary>
/// SimpleCIL: the frozen backbone and a prototype classifier. Each new class's row is its mean class-token feature scaled
/// to unit length, bias 0: logits are then ‖f‖·cos(f, prototype), whose argmax is the cosine classifier's, and the
/// model stays a plain linear head (exportable like every other method).
/// </summary>
sealed class SimpleCil(TrainRecipe recipe) : ContinualMethod(recipe)
{
    public override IContinualAdapter? CreateAdapter(ViTShape shape, Device device) => null;
    public override bool Trains => false;

    public override void BeginTask(int task, ContinualModel model, Generator generator) { }

    public override IEnumerable<(string Name, Tensor Parameter)> Trainable(ContinualModel model) => [];

    public override AbsorptionReport? EndTask(int task, ContinualModel model, Func<Tensor> newClassMeans)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor means = newClassMeans();
        Tensor prototypes = nn.functional.normalize(means, p: 2, dim: 1);
        int known = model.SeenClasses - (int)means.shape[0];
        model.HeadWeight.narrow(0, known, means.shape[0]).copy_(prototypes);
        model.HeadBias.narrow(0, known, means.shape[0]).zero_();
        return null;
    }
}
