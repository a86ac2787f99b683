using Cltool.Core.Continual;
using Cltool.Trainer.Continual;
using static TorchSharp.torch;

namespace Cltool.Trainer.Adapters.None;

/// <summary>
/// SimpleCIL: the frozen backbone and a prototype classifier. Each new class's row is its mean class-token feature scaled
/// to unit length, bias 0: logits are then ‖f‖·cos(f, prototype), whose argmax is the cosine classifier's, and the
/// model stays a plain linear head (exportable like every other method).
/// </summary>
sealed class SimpleCil(TrainRecipe recipe) : ContinualMethod(recipe)
{
    public override IContinualAdapter? CreateAdapter(ViTShape shape, Device device) => null;

    public override void BeginTask(int task, ContinualModel model, Generator generator, ITaskInputs inputs) { }

    /// <summary>Nothing beyond the checkpoint's backbone and head.</summary>
    public override void Restore(ContinualCheckpoint checkpoint, ContinualModel model, bool training) { }

    public override IEnumerable<(string Name, Tensor Parameter)> Trainable(ContinualModel model) => [];

    public override IMethodReport? EndTask(int task, ContinualModel model, ITaskInputs inputs)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor means = inputs.NewClassMeans();
        Tensor prototypes = nn.functional.normalize(means, p: 2, dim: 1);
        int known = model.SeenClasses - (int)means.shape[0];
        model.HeadWeight.narrow(0, known, means.shape[0]).copy_(prototypes);
        model.HeadBias.narrow(0, known, means.shape[0]).zero_();
        return null;
    }
}
