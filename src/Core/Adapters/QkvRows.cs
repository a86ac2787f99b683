using Cltool.Core.Weights;

namespace Cltool.Core.Adapters;

/// <summary>Where every fold writes: one row block of a block's fused qkv weight [3·dim, dim] (rows q | k | v).</summary>
public static class QkvRows
{
    /// <summary>Adds a dense float64 update [dim, dim] to row block <paramref name="rowBlock"/> (0 q, 1 k, 2 v), cast to float32 once.</summary>
    public static void Add(HostTensor qkv, int rowBlock, double[] delta)
    {
        int offset = rowBlock * delta.Length;
        for (int k = 0; k < delta.Length; k++) qkv.Data[offset + k] = (float)(qkv.Data[offset + k] + delta[k]);
    }
}
