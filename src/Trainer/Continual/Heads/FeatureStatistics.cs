using Cltool.Core.Continual;
using Cltool.Trainer.Models;
using Cltool.Trainer.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual.Heads;

/// <summary>Per-class means and covariances of head-input features, computed in float64 (SLCA's statistics).</summary>
public static class FeatureStatistics
{
    /// <summary>SLCA's ridge on every covariance: keeps it positive definite for sampling.</summary>
    public const double Ridge = 1e-4;
    static readonly Scalar RidgeScalar = Ridge.ToScalar();   // rooted: see Scalars

    /// <summary>The mean feature of each class [classes, dim] (float32, on the features' device).</summary>
    public static Tensor Means(Tensor features, long[] positions, int classes)
    {
        using var scope = NewDisposeScope();
        Tensor index = tensor(positions, device: features.device);
        Tensor sums = zeros([classes, features.shape[1]], dtype: float64, device: features.device).index_add_(0, index, features.to(float64), Native.Scalars.One);
        Tensor counts = zeros([classes], dtype: float64, device: features.device).index_add_(0, index, ones([positions.Length], dtype: float64, device: features.device), Native.Scalars.One);
        return sums.div(counts.unsqueeze(1)).to(float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Task <paramref name="task"/>'s class statistics: means, and unbiased covariances (as numpy's cov) plus <see cref="Ridge"/>·I,
    /// full or diagonal, rounded to float32: exactly the numbers the statistics file stores, so a run that reads them back on
    /// --resume samples what an uninterrupted run samples.
    /// </summary>
    public static ClassStatistics Estimate(Tensor features, long[] positions, int classes, string covariance, int task)
    {
        using var scope = NewDisposeScope();
        long dim = features.shape[1];
        Tensor wide = features.to(float64);
        var means = new List<Tensor>();
        var covariances = new List<Tensor>();
        for (int c = 0; c < classes; c++)
        {
            long[] rows = Enumerable.Range(0, positions.Length).Where(i => positions[i] == c).Select(i => (long)i).ToArray();
            Tensor x = wide.index_select(0, tensor(rows, device: features.device));
            Tensor mean = x.mean([0]);
            Tensor centred = x.sub(mean);   // sub(Tensor) takes no alpha, so no implicit Scalar
            using Scalar divisor = Math.Max(1.0, rows.Length - 1).ToScalar();
            covariances.Add(covariance == CovarianceKinds.Full
                ? centred.t().matmul(centred).div(divisor).add(eye(dim, dtype: float64, device: features.device).mul(RidgeScalar), Scalars.One)
                : centred.pow(Scalars.Two).sum([0]).div(divisor).add(RidgeScalar, Scalars.One));
            means.Add(mean);
        }
        return new ClassStatistics(task, covariance, HostTensors.From(stack(means).to(float32)), HostTensors.From(stack(covariances).to(float32)));
    }
}
