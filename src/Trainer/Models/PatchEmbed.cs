using Cltool.Core.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Cltool.Trainer.Models;

/// <summary>timm's patch embedding: a strided convolution, then tokens in row-major patch order.</summary>
public sealed class PatchEmbed : Module<Tensor, Tensor>
{
    readonly Conv2d proj;

    public PatchEmbed(ViTConfig config) : base("PatchEmbed")
    {
        proj = Conv2d(config.Channels, config.Dim, config.PatchSize, stride: config.PatchSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor images) => proj.forward(images).flatten(2).transpose(1, 2);
}
