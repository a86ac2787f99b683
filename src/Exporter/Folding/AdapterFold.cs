using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Core.Weights;

namespace Cltool.Exporter.Folding;

/// <summary>How one family of methods turns its adapters into dense weight updates. New methods plug in here.</summary>
public interface IAdapterFold
{
    IReadOnlyCollection<string> MethodNames { get; }

    /// <summary>Adds the checkpoint's adapters to <paramref name="weights"/> (timm names) in place.</summary>
    void FoldInto(ContinualCheckpoint checkpoint, Dictionary<string, HostTensor> weights);
}

/// <summary>Turns any stage's checkpoint into the weights of one plain ViT with a linear head: no adapters, no task id.</summary>
public static class CheckpointFolding
{
    static readonly IAdapterFold[] Folds = [new LoraDirectionFold(), new NothingToFold()];

    public static Dictionary<string, HostTensor> DenseWeights(ContinualCheckpoint checkpoint)
    {
        IAdapterFold fold = Folds.FirstOrDefault(f => f.MethodNames.Contains(checkpoint.Method))
            ?? throw new CltoolException($"The exporter does not know how to fold method '{checkpoint.Method}' " +
                                         $"(it knows {string.Join(", ", Folds.SelectMany(f => f.MethodNames))}).");
        var weights = checkpoint.Backbone.ToDictionary(pair => pair.Key, pair => new HostTensor((float[])pair.Value.Data.Clone(), pair.Value.Shape));
        weights["head.weight"] = checkpoint.HeadWeight;
        weights["head.bias"] = checkpoint.HeadBias;
        fold.FoldInto(checkpoint, weights);
        return weights;
    }
}

/// <summary>
/// SD-LoRA (every variant) and single-LoRA methods: per block, the q rows and the v rows of the fused qkv weight get
/// Σ_i α_i / n_i · B_i A_i (SD-LoRA §8.2), accumulated in float64 and cast to float32 once.
/// </summary>
sealed class LoraDirectionFold : IAdapterFold
{
    public IReadOnlyCollection<string> MethodNames { get; } = [Methods.SdLora, Methods.SdLoraPaper, Methods.SdLoraRr, Methods.SeqLora, Methods.Joint];

    public void FoldInto(ContinualCheckpoint checkpoint, Dictionary<string, HostTensor> weights)
    {
        int dim = checkpoint.Config.Dim;
        for (int block = 0; block < checkpoint.Config.Depth; block++)
        {
            HostTensor qkv = weights[$"blocks.{block}.attn.qkv.weight"];
            for (int projection = 0; projection < 2; projection++)
            {
                var delta = new double[dim * dim];
                for (int i = 0; i < checkpoint.Directions.Count; i++)
                {
                    LoraDirection direction = checkpoint.Directions[i];
                    LoraFactors factors = projection == 0 ? direction.Query[block] : direction.Value[block];
                    AddScaledProduct(delta, factors, checkpoint.Magnitudes[i] / direction.Norms[block, projection], dim);
                }
                int firstRow = projection == 0 ? 0 : 2 * dim;   // rows q | k | v
                for (int k = 0; k < delta.Length; k++) qkv.Data[firstRow * dim + k] = (float)(qkv.Data[firstRow * dim + k] + delta[k]);
            }
        }
    }

    /// <summary>delta += scale · B·A, with B [dim, rank] and A [rank, dim] row-major.</summary>
    static void AddScaledProduct(double[] delta, LoraFactors factors, double scale, int dim)
    {
        int rank = (int)factors.Rank;
        float[] a = factors.A.Data, b = factors.B.Data;
        for (int row = 0; row < dim; row++)
        {
            for (int k = 0; k < rank; k++)
            {
                double coefficient = scale * b[row * rank + k];
                if (coefficient == 0) continue;
                int aRow = k * dim, deltaRow = row * dim;
                for (int column = 0; column < dim; column++) delta[deltaRow + column] += coefficient * a[aRow + column];
            }
        }
    }
}

/// <summary>Methods whose checkpoint already is a plain ViT with a linear head (full fine-tuning, SimpleCIL).</summary>
sealed class NothingToFold : IAdapterFold
{
    public IReadOnlyCollection<string> MethodNames { get; } = [Methods.FullFineTune, Methods.SimpleCil];

    public void FoldInto(ContinualCheckpoint checkpoint, Dictionary<string, HostTensor> weights) { }
}
