using Cltool.Core.Continual;
using Cltool.Core.Models;
using Cltool.Trainer.Adapters.Directions;
using Cltool.Trainer.Adapters.None;
using Cltool.Trainer.Adapters.Routed;
using Cltool.Trainer.Adapters.Subspace;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual;

/// <summary>
/// What distinguishes the methods of one learner loop: which parameters train, and what happens when a task starts and
/// ends. Everything else (data, head growth, the masked loss, optimiser, schedule, evaluation, checkpoints) is shared.
/// Each lives in its adapter family's home (Adapters/&lt;family&gt;), beside the family's adapter; what a method is
/// (family, what trains, defaults, options) is its <see cref="MethodCatalog"/> entry.
/// </summary>
public abstract class ContinualMethod(TrainRecipe recipe)
{
    protected TrainRecipe Recipe => recipe;

    /// <summary>The trainer of a catalog method (the one place that maps names to trainer classes).</summary>
    public static ContinualMethod For(TrainRecipe recipe) => MethodCatalog.Of(recipe.Method).Name switch
    {
        Methods.SdLora or Methods.SdLoraRr or Methods.SdLoraKd => new SdLora(recipe, paper: false),
        Methods.SdLoraPaper => new SdLora(recipe, paper: true),
        Methods.CLora => new CLora(recipe),
        Methods.InfLora => new InfLora(recipe),
        Methods.SeqLora or Methods.Joint => new SequentialLora(recipe),
        Methods.FullFineTune => new FullFineTune(recipe),
        Methods.SimpleCil => new SimpleCil(recipe),
        string name => throw new InvalidOperationException($"The catalog's method '{name}' has no trainer."),
    };

    /// <summary>The method's adapter on the qkv projections of a ViT of <paramref name="shape"/>; null: none.</summary>
    public abstract IContinualAdapter? CreateAdapter(ViTShape shape, Device device);

    /// <summary>False for methods without gradient training (SimpleCIL).</summary>
    public bool Trains => MethodCatalog.Of(recipe.Method).TrainsWithGradients;

    /// <summary>
    /// Prepares task <paramref name="task"/> after the head has grown; <paramref name="generator"/> draws its random
    /// initialisation, <paramref name="inputs"/> reaches its data (InfLoRA designs its adapter from it).
    /// </summary>
    public abstract void BeginTask(int task, ContinualModel model, Generator generator, ITaskInputs inputs);

    public virtual IEnumerable<(string Name, Tensor Parameter)> Trainable(ContinualModel model) =>
        model.HeadParameters().Concat(model.Adapter!.TrainableParameters());

    /// <summary>
    /// Finishes task <paramref name="task"/> after training, before evaluation. Returns what the method measured about
    /// itself (SD-LoRA-KD's absorption, InfLoRA's subspace); null: nothing.
    /// </summary>
    public virtual IMethodReport? EndTask(int task, ContinualModel model, ITaskInputs inputs) => null;

    /// <summary>The base model checked against the method's options before anything is written; the problem in one line, or null.</summary>
    public virtual string? ProblemWith(ViTConfig config) => null;

    /// <summary>A term added to the task's loss (C-LoRA's orthogonality penalty); null: none.</summary>
    public virtual Tensor? Penalty(ContinualModel model) => null;

    /// <summary>
    /// Rebuilds the adapter of a checkpoint. <paramref name="training"/> (a resumed run): what trained in the unfinished
    /// task trains again; otherwise everything is frozen.
    /// </summary>
    public abstract void Restore(ContinualCheckpoint checkpoint, ContinualModel model, bool training);
}
