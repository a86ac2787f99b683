using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Core.Weights;
using Cltool.Trainer.Continual.Heads;
using Cltool.Trainer.Models;
using Cltool.Trainer.Native;
using static TorchSharp.torch;

namespace Cltool.Trainer.Tests;

/// <summary>The drift compensations on cases whose answer is known in closed form.</summary>
public sealed class DriftCompensationTests
{
    const int Dim = 3;
    static readonly double[,] Map = { { 1.1, 0.2, 0 }, { -0.1, 0.9, 0.3 }, { 0, 0.1, 1.2 } };
    static readonly double[] Shift = [0.5, -1, 2];

    static TaskEmbeddings Embeddings(int task, string stage, double[,] features) =>
        new(task, stage, new HostTensor(features.Cast<double>().Select(v => (float)v).ToArray(), [features.GetLength(0), features.GetLength(1)]));

    /// <summary>40 samples spread over all three dimensions, and the same samples moved by an exact affine map.</summary>
    static (TaskEmbeddings Before, TaskEmbeddings After) AffineDrift()
    {
        var random = new Random(7);
        var before = new double[40, Dim];
        var after = new double[40, Dim];
        for (int i = 0; i < 40; i++)
        {
            for (int j = 0; j < Dim; j++) before[i, j] = (float)(random.NextDouble() * 4 - 2);
            for (int j = 0; j < Dim; j++) after[i, j] = (float)(Enumerable.Range(0, Dim).Sum(k => before[i, k] * Map[k, j]) + Shift[j]);
        }
        return (Embeddings(1, TaskEmbeddings.Before, before), Embeddings(1, TaskEmbeddings.After, after));
    }

    static ClassStatistics Statistics(string covariance) => new(0, covariance, new HostTensor([1, 0, -1, 0, 2, 1], [2, Dim]),
        covariance == CovarianceKinds.Full
            ? new HostTensor([2, 0.5f, 0, 0.5f, 1, 0, 0, 0, 3, 1, 0, 0, 0, 1, 0, 0, 0, 1], [2, Dim, Dim])
            : new HostTensor([2, 1, 3, 1, 1, 1], [2, Dim]));

    static double[] Data(Tensor tensor) => tensor.data<double>().ToArray();

    [Theory]
    [InlineData(CovarianceKinds.Full)]
    [InlineData(CovarianceKinds.Diagonal)]
    public void The_linear_map_recovers_an_exact_affine_drift_and_moves_means_and_covariances_with_it(string covariance)
    {
        (TaskEmbeddings before, TaskEmbeddings after) = AffineDrift();
        ClassStatistics old = Statistics(covariance);

        ClassStatistics moved = DriftCompensation.Move(DriftCompensations.Linear, [old], before, after, bandwidth: 1, ridge: 0)[0];

        using var scope = NewDisposeScope();
        Tensor map = tensor(Map.Cast<double>().ToArray(), [Dim, Dim]);
        Tensor means = HostTensors.Wide(old.Means).matmul(map).add(tensor(Shift), Scalars.One);
        AssertClose(Data(means), moved.Means.Data, 1e-4);
        double r = FeatureStatistics.Ridge;
        Tensor expected = covariance == CovarianceKinds.Full
            ? map.t().matmul(HostTensors.Wide(old.Covariances).sub(eye(Dim, dtype: float64).mul(r))).matmul(map).add(eye(Dim, dtype: float64).mul(r), Scalars.One)
            : HostTensors.Wide(old.Covariances).sub(r).matmul(map.pow(2)).add(ones(Dim, dtype: float64).mul(r), Scalars.One);
        AssertClose(Data(expected), moved.Covariances.Data, 1e-4);
        Assert.Equal(old.Covariances.Shape, moved.Covariances.Shape);
        Assert.Equal((old.Task, old.Covariance), (moved.Task, moved.Covariance));
    }

    [Theory]
    [InlineData(DriftCompensations.Linear)]
    [InlineData(DriftCompensations.MeanShift)]
    public void A_backbone_that_did_not_move_leaves_the_statistics_as_they_were_whatever_the_ridge_or_bandwidth(string compensation)
    {
        (TaskEmbeddings before, _) = AffineDrift();
        ClassStatistics old = Statistics(CovarianceKinds.Full);

        ClassStatistics moved = DriftCompensation.Move(compensation, [old], before, before with { Stage = TaskEmbeddings.After }, bandwidth: 0.3, ridge: 0.5)[0];

        AssertClose(old.Means.Data.Select(v => (double)v).ToArray(), moved.Means.Data, 1e-6);
        AssertClose(old.Covariances.Data.Select(v => (double)v).ToArray(), moved.Covariances.Data, 1e-6);
    }

    [Fact]
    public void Mean_shift_moves_every_mean_by_a_uniform_drift_and_each_mean_by_its_own_neighbourhood_s_drift()
    {
        // Two clusters far apart: the right one drifts up, the left one down; a uniform drift moves everything alike.
        double[,] before = { { 10, 0, 0 }, { 10, 0.5, 0 }, { 9.5, 0, 0 }, { -10, 0, 0 }, { -10, 0.5, 0 }, { -9.5, 0, 0 } };
        double[,] apart = (double[,])before.Clone(), uniform = (double[,])before.Clone();
        for (int i = 0; i < 6; i++)
        {
            apart[i, 1] += i < 3 ? 1 : -1;
            uniform[i, 2] += 0.25;
        }
        var old = new ClassStatistics(0, CovarianceKinds.Diagonal, new HostTensor([9, 0, 0, -9, 0, 0], [2, Dim]), new HostTensor([1, 1, 1, 1, 1, 1], [2, Dim]));

        ClassStatistics local = DriftCompensation.Move(DriftCompensations.MeanShift, [old], Embeddings(1, TaskEmbeddings.Before, before),
            Embeddings(1, TaskEmbeddings.After, apart), bandwidth: 0.5, ridge: 0)[0];
        ClassStatistics shifted = DriftCompensation.Move(DriftCompensations.MeanShift, [old], Embeddings(1, TaskEmbeddings.Before, before),
            Embeddings(1, TaskEmbeddings.After, uniform), bandwidth: 0.5, ridge: 0)[0];

        AssertClose([9, 1, 0, -9, -1, 0], local.Means.Data, 1e-4);
        AssertClose([9, 0, 0.25, -9, 0, 0.25], shifted.Means.Data, 1e-6);
        Assert.Equal(old.Covariances.Data, local.Covariances.Data);   // mean shift leaves covariances as they were
    }

    [Fact]
    public void A_linear_map_that_cannot_be_fitted_without_ridge_is_one_error_naming_the_numbers()
    {
        double[,] three = { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
        var few = Assert.Throws<CltoolException>(() => DriftCompensation.Move(DriftCompensations.Linear, [Statistics(CovarianceKinds.Full)],
            Embeddings(2, TaskEmbeddings.Before, three), Embeddings(2, TaskEmbeddings.After, three), bandwidth: 1, ridge: 0));
        Assert.Contains("task 3 cannot be fitted: 3 current samples for 4 unknowns", few.Message);
        Assert.Contains("compensationRidge", few.Message);

        double[,] line = new double[10, Dim];
        for (int i = 0; i < 10; i++) line[i, 0] = i;
        var flat = Assert.Throws<CltoolException>(() => DriftCompensation.Move(DriftCompensations.Linear, [Statistics(CovarianceKinds.Full)],
            Embeddings(2, TaskEmbeddings.Before, line), Embeddings(2, TaskEmbeddings.After, line), bandwidth: 1, ridge: 0));
        Assert.Contains("the 10 current samples span fewer than the 4 directions", flat.Message);

        // The same samples with a ridge: the map is pulled towards the identity where they say nothing, and fits.
        ClassStatistics fitted = DriftCompensation.Move(DriftCompensations.Linear, [Statistics(CovarianceKinds.Full)],
            Embeddings(2, TaskEmbeddings.Before, line), Embeddings(2, TaskEmbeddings.After, line), bandwidth: 1, ridge: 0.1)[0];
        AssertClose([1, 0, -1, 0, 2, 1], fitted.Means.Data, 1e-5);
    }

    [Fact]
    public void Compensations_compose_over_tasks_and_each_task_s_own_statistics_enter_as_measured()
    {
        (TaskEmbeddings before, TaskEmbeddings after) = AffineDrift();
        var lineages = new StatisticsLineages(DriftCompensations.All, bandwidth: 1, ridge: 0);
        ClassStatistics first = Statistics(CovarianceKinds.Full), second = first with { Task = 1 }, third = first with { Task = 2 };

        lineages.Add(first, drift: null);
        lineages.Add(second, (before, after));
        lineages.Add(third, (before with { Task = 2 }, after with { Task = 2 }));

        Assert.Equal([first, second, third], lineages.For(DriftCompensations.None));
        IReadOnlyList<ClassStatistics> linear = lineages.For(DriftCompensations.Linear);
        Assert.Same(third, linear[2]);
        // Task 1's means went through the map twice, task 2's once.
        using var scope = NewDisposeScope();
        Tensor map = tensor(Map.Cast<double>().ToArray(), [Dim, Dim]), shift = tensor(Shift);
        Tensor once = HostTensors.Wide(first.Means).matmul(map).add(shift, Scalars.One);
        AssertClose(Data(once.matmul(map).add(shift, Scalars.One)), linear[0].Means.Data, 1e-3);
        AssertClose(Data(once), linear[1].Means.Data, 1e-4);
        Assert.Equal(3, lineages.For(DriftCompensations.MeanShift).Count);
        Assert.Equal(3 * first.Bytes, lineages.Bytes);
    }

    static void AssertClose(double[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"[{i}] expected {expected[i]}, got {actual[i]}");
    }
}
