using Cltool.Core.Continual;
using Cltool.Core.Models;
using Cltool.Core.Weights;

namespace Cltool.Core.Adapters;

/// <summary>
/// One family of methods that store the same kind of adapter (<see cref="MethodEntry.Family"/>): its checkpoint codec.
/// Writing is the state's (<see cref="IAdapterState.WriteTo"/>); reading is here, where the family's tensor names are
/// defined once for the codec and the trainer alike.
/// </summary>
public interface IAdapterFamily
{
    string Name { get; }

    /// <summary>The adapter a checkpoint stores, every shape checked; null where the family has none (or a stage before any).</summary>
    IAdapterState? Read(SafeTensorsFile file, TrainRecipe recipe, ViTConfig config);
}
