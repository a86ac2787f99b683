using Cltool.Core.Continual;
using Cltool.Core.Models;
using Cltool.Core.Weights;

namespace Cltool.Core.Adapters;

/// <summary>Methods whose checkpoint already is a plain ViT with a linear head (full fine-tuning, SimpleCIL): nothing to store or fold.</summary>
public sealed class NoAdapter : IAdapterFamily
{
    public static readonly NoAdapter Family = new();

    public string Name => "none";

    public IAdapterState? Read(SafeTensorsFile file, TrainRecipe recipe, ViTConfig config) => null;
}
