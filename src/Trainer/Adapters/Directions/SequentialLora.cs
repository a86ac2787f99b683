using Cltool.Core.Continual;
using Cltool.Trainer.Continual;
using static TorchSharp.torch;

namespace Cltool.Trainer.Adapters.Directions;

/// <summary>One LoRA (rank r, q and v) trained task after task with magnitude 1: seq-lora, and joint on a single task.</summary>
sealed class SequentialLora(TrainRecipe recipe) : DirectionMethod(recipe)
{
    protected override bool MagnitudesTrain => false;

    public override void BeginTask(int task, ContinualModel model, Generator generator, ITaskInputs inputs)
    {
        if (task > 0) return;
        var adapter = model.AdapterAs<LoraQkvAdapter>();
        adapter.StartDirection(Recipe.Rank, generator);
        adapter.SetMagnitudes([1.0], trainable: false);
    }
}
