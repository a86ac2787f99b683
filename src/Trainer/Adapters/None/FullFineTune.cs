using Cltool.Core.Continual;
using Cltool.Trainer.Continual;
using static TorchSharp.torch;

namespace Cltool.Trainer.Adapters.None;

/// <summary>Sequential fine-tuning of every backbone weight and the head, with the same masked loss.</summary>
sealed class FullFineTune(TrainRecipe recipe) : ContinualMethod(recipe)
{
    public override IContinualAdapter? CreateAdapter(ViTShape shape, Device device) => null;

    public override void BeginTask(int task, ContinualModel model, Generator generator, ITaskInputs inputs) => model.TrainBackbone(true);

    /// <summary>The checkpoint's backbone is the state; a resumed task trains it again (BeginTask does not run for it).</summary>
    public override void Restore(ContinualCheckpoint checkpoint, ContinualModel model, bool training) => model.TrainBackbone(training);

    public override IEnumerable<(string Name, Tensor Parameter)> Trainable(ContinualModel model) =>
        model.BackboneParameters().Concat(model.HeadParameters());
}
