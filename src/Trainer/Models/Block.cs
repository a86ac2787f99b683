using Cltool.Core.Models;
using Cltool.Trainer.Native;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Cltool.Trainer.Models;

/// <summary>A pre-norm transformer block: x + attn(norm1(x)), then x + mlp(norm2(x)).</summary>
public sealed class Block : Module<Tensor, Tensor>
{
    readonly LayerNorm norm1;
    readonly Attention attn;
    readonly LayerNorm norm2;
    readonly Mlp mlp;

    public Block(int index, ViTConfig config) : base("Block")
    {
        norm1 = LayerNorm(config.Dim, eps: ViTConfig.LayerNormEps);
        attn = new Attention(index, config.Dim, config.Heads);
        norm2 = LayerNorm(config.Dim, eps: ViTConfig.LayerNormEps);
        mlp = new Mlp(config.Dim, config.MlpHidden);
        RegisterComponents();
    }

    public Attention Attention => attn;

    public override Tensor forward(Tensor x)
    {
        Tensor h = x.add(DisposeScopes.Keeping(() => attn.forward(norm1.forward(x))), Scalars.One);
        return h.add(DisposeScopes.Keeping(() => mlp.forward(norm2.forward(h))), Scalars.One);
    }
}
