using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Cltool.Trainer.Models;

/// <summary>timm's Attention: fused qkv projection (rows q|k|v, heads contiguous), scaled dot-product, output projection.</summary>
public sealed class Attention : Module<Tensor, Tensor>
{
    readonly Linear qkv;
    readonly Linear proj;
    readonly int _heads;
    readonly int _block;

    public IQkvAdapter? Adapter { get; set; }

    public Attention(int block, int dim, int heads) : base("Attention")
    {
        _block = block;
        _heads = heads;
        qkv = Linear(dim, 3 * dim, hasBias: true);
        proj = Linear(dim, dim, hasBias: true);
        RegisterComponents();
    }

    public Linear Qkv => qkv;

    public override Tensor forward(Tensor x)
    {
        long batch = x.shape[0], tokens = x.shape[1], dim = x.shape[2];
        Tensor fused = Adapter is null ? qkv.forward(x) : Adapter.Apply(_block, x, functional.linear(x, Adapter.QkvWeight(_block, qkv.weight!), qkv.bias));
        Tensor split = fused.reshape(batch, tokens, 3, _heads, dim / _heads).permute(2, 0, 3, 1, 4);
        Tensor attended = functional.scaled_dot_product_attention(split[0], split[1], split[2]);
        return proj.forward(attended.transpose(1, 2).reshape(batch, tokens, dim));
    }
}
