using Cltool.Core.Continual;
using Cltool.Core.Weights;
using Cltool.Trainer.Continual.Heads;
using static TorchSharp.torch;

namespace Cltool.Trainer.Tests;

/// <summary>The head-alignment steps on small cases checked by hand.</summary>
public sealed class HeadAlignmentTests
{
    static LinearHead Head(float[,] weight, float[] bias) =>
        new(new HostTensor(weight.Cast<float>().ToArray(), [weight.GetLength(0), weight.GetLength(1)]), new HostTensor(bias, [bias.Length]));

    [Fact]
    public void Weight_aligning_scales_only_the_new_rows_to_the_old_rows_mean_norm()
    {
        // Old rows have norms 5 and 5, the new one 10: γ = 0.5. Biases stay.
        LinearHead aligned = WeightAlignment.Align(Head(new float[,] { { 3, 4 }, { 0, 5 }, { 0, 10 } }, [1, 2, 3]), known: 2);

        Assert.Equal([3f, 4, 0, 5, 0, 5], aligned.Weight.Data);
        Assert.Equal([1f, 2, 3], aligned.Bias.Data);
    }

    [Fact]
    public void Logit_normalisation_divides_by_the_mean_per_task_norm_and_the_temperature()
    {
        // Task norms 5 (3, 4) and 1 (0, 1): mean 3; then τ = 0.1.
        using Tensor logits = tensor(new float[] { 3, 4, 0, 1 }, [1, 4]);
        using Tensor normalised = ClassifierAlignment.NormalizeLogits(logits, ClassifierAlignment.TaskMembership([2, 2]), 0.1);

        float[] expected = [10, 40f / 3, 0, 10f / 3];
        float[] actual = normalised.data<float>().ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], actual[i], 4);
    }

    [Theory]
    [InlineData(CovarianceKinds.Full)]
    [InlineData(CovarianceKinds.Diagonal)]
    public void Class_statistics_are_the_mean_and_unbiased_covariance_plus_the_ridge(string kind)
    {
        // Class 0: (0,0) (2,0) (0,2): mean (2/3, 2/3), variances 4/3, covariance −2/3. Class 1: (1,1) (3,3): mean (2,2), all 2.
        using Tensor features = tensor(new double[] { 0, 0, 2, 0, 1, 1, 0, 2, 3, 3 }, [5, 2]);
        ClassStatistics statistics = FeatureStatistics.Estimate(features, [0, 0, 1, 0, 1], 2, kind, task: 3);

        Assert.Equal(3, statistics.Task);
        Assert.Equal([2f / 3, 2f / 3, 2, 2], statistics.Means.Data);
        float v0 = (float)(4.0 / 3 + FeatureStatistics.Ridge), v1 = (float)(2 + FeatureStatistics.Ridge);
        float[] expected = kind == CovarianceKinds.Full ? [v0, -2f / 3, -2f / 3, v0, v1, 2, 2, v1] : [v0, v0, v1, v1];
        Assert.Equal(expected, statistics.Covariances.Data);
        Assert.Equal(sizeof(float) * (4 + expected.Length), statistics.Bytes);
    }

    [Fact]
    public void Classifier_alignment_corrects_a_head_biased_towards_the_new_task_and_is_deterministic()
    {
        // Task 0: class at (2, 0); task 1: class at (0, 2); tight Gaussians. The trained head scores the new class higher
        // everywhere (bias +3), as the masked loss leaves it; alignment must separate the two classes again.
        var statistics = new[]
        {
            new ClassStatistics(0, CovarianceKinds.Full, new HostTensor([2, 0], [1, 2]), new HostTensor([0.01f, 0, 0, 0.01f], [1, 2, 2])),
            new ClassStatistics(1, CovarianceKinds.Diagonal, new HostTensor([0, 2], [1, 2]), new HostTensor([0.01f, 0.01f], [1, 2])),
        };
        LinearHead biased = Head(new float[,] { { 0.1f, 0 }, { 0, 1 } }, [0, 3]);
        Assert.Equal(1, Predict(biased, 2, 0));

        LinearHead aligned = ClassifierAlignment.Align([biased], [0], [statistics], [1, 1], task: 1, seed: 11)[0];

        Assert.Equal(0, Predict(aligned, 2 * 0.95f, 0));   // task 0's mean as sampled: shrunk by 0.9 + 0.1·1/2
        Assert.Equal(1, Predict(aligned, 0, 2));
        // Aligned together with another head (as ca and ca-restore are), on the same samples: the same result as alone.
        LinearHead other = Head(new float[,] { { 1, 1 }, { -1, 1 } }, [0, 0]);
        LinearHead[] together = ClassifierAlignment.Align([biased, other], [0, 0], [statistics], [1, 1], task: 1, seed: 11);
        Assert.Equal(aligned.Weight.Data, together[0].Weight.Data);
        Assert.Equal(aligned.Bias.Data, together[0].Bias.Data);
        Assert.Equal(ClassifierAlignment.Align([other], [0], [statistics], [1, 1], task: 1, seed: 11)[0].Weight.Data, together[1].Weight.Data);
        // A second group of statistics (a compensation's) trains its heads on the same noise: each head ends as if aligned
        // alone on its own group's statistics.
        ClassStatistics[] moved = [statistics[0] with { Means = new HostTensor([2, 0.5f], [1, 2]) }, statistics[1]];
        LinearHead[] grouped = ClassifierAlignment.Align([other, biased], [0, 1], [statistics, moved], [1, 1], task: 1, seed: 11);
        Assert.Equal(together[1].Weight.Data, grouped[0].Weight.Data);
        Assert.Equal(ClassifierAlignment.Align([biased], [0], [moved], [1, 1], task: 1, seed: 11)[0].Weight.Data, grouped[1].Weight.Data);
        Assert.NotEqual(aligned.Weight.Data, grouped[1].Weight.Data);
        LinearHead otherSeed = ClassifierAlignment.Align([biased], [0], [statistics], [1, 1], task: 1, seed: 12)[0];
        Assert.NotEqual(aligned.Weight.Data, otherSeed.Weight.Data);
    }

    static int Predict(LinearHead head, float x, float y)
    {
        float[] w = head.Weight.Data, b = head.Bias.Data;
        float first = w[0] * x + w[1] * y + b[0], second = w[2] * x + w[3] * y + b[1];
        return first >= second ? 0 : 1;
    }
}
