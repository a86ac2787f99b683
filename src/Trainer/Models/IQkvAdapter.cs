using static TorchSharp.torch;

namespace Cltool.Trainer.Models;

/// <summary>Adds a low-rank update to a block's fused qkv projection; SD-LoRA and its relatives implement it.</summary>
public interface IQkvAdapter
{
    /// <summary>The fused qkv weight block <paramref name="block"/> multiplies by: the base weight, or the base with part of the adapter folded in.</summary>
    Tensor QkvWeight(int block, Tensor weight) => weight;

    /// <summary>Returns <paramref name="qkv"/> plus the adapter's delta for input <paramref name="x"/> of block <paramref name="block"/>.</summary>
    Tensor Apply(int block, Tensor x, Tensor qkv);
}
