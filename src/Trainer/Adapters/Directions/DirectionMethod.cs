using Cltool.Core.Adapters.Directions;
using Cltool.Core.Continual;
using Cltool.Trainer.Continual;
using static TorchSharp.torch;

namespace Cltool.Trainer.Adapters.Directions;

/// <summary>The methods of the directions family: their adapter, and how a checkpoint's directions and magnitudes come back.</summary>
abstract class DirectionMethod(TrainRecipe recipe) : ContinualMethod(recipe)
{
    public override IContinualAdapter? CreateAdapter(ViTShape shape, Device device) => new LoraQkvAdapter(shape, device);

    /// <summary>Every direction frozen but the last, which trains again in a resumed run, as do the magnitudes where the method trains them.</summary>
    public override void Restore(ContinualCheckpoint checkpoint, ContinualModel model, bool training)
    {
        if (checkpoint.Adapter is null) return;
        var adapter = model.AdapterAs<LoraQkvAdapter>();
        DirectionSet stored = checkpoint.AdapterAs<DirectionSet>();
        int last = stored.Directions.Count - 1;
        for (int i = 0; i <= last; i++) adapter.Load(stored.Directions[i], trainable: training && i == last);
        adapter.SetMagnitudes(stored.Magnitudes, training && MagnitudesTrain);
    }

    protected virtual bool MagnitudesTrain => true;
}
