using Cltool.Core.Continual;

namespace Cltool.Core.Tests;

public sealed class AccuracyMatrixTests
{
    /// <summary>Three tasks, unbalanced test sets (100, 50, 50 images), counts chosen by hand.</summary>
    static AccuracyMatrix Example()
    {
        var matrix = new AccuracyMatrix(3);
        matrix.Record(0, [90], [100]);
        matrix.Record(1, [70, 45], [100, 50]);
        matrix.Record(2, [60, 40, 48], [100, 50, 50]);
        return matrix;
    }

    [Fact]
    public void Accuracy_after_each_task_is_sample_weighted_over_all_seen_classes()
    {
        AccuracyMatrix matrix = Example();

        Assert.Equal(0.90, matrix.AccuracyAfter(0), 12);
        Assert.Equal(115.0 / 150, matrix.AccuracyAfter(1), 12);   // not the mean of 0.70 and 0.90
        Assert.Equal(148.0 / 200, matrix.AccuracyAfter(2), 12);
        Assert.Equal(148.0 / 200, matrix.Last, 12);
        Assert.Equal((0.90 + 115.0 / 150 + 148.0 / 200) / 3, matrix.AverageAnytime, 12);
    }

    [Fact]
    public void Forgetting_is_the_mean_drop_from_the_best_accuracy_over_all_but_the_last_task()
    {
        AccuracyMatrix matrix = Example();

        // task 1: best 0.90, now 0.60 -> 0.30; task 2: best 0.90, now 0.80 -> 0.10.
        Assert.Equal((0.30 + 0.10) / 2, matrix.Forgetting, 12);
        Assert.Equal(0.0, new AccuracyMatrix(1).Forgetting);
    }

    [Fact]
    public void Report_round_trips_and_csv_leaves_untrained_cells_empty()
    {
        AccuracyMatrix matrix = Example();
        AccuracyMatrix copy = AccuracyMatrix.FromReport(matrix.ToReport());

        Assert.Equal(matrix.ToCsv(), copy.ToCsv());
        string[] lines = matrix.ToCsv().TrimEnd().Split('\n');
        Assert.Equal("classes_of_task,after_task_1,after_task_2,after_task_3", lines[0]);
        Assert.Equal("2,,0.900000,0.800000", lines[2]);
        Assert.Equal("all_seen,0.900000,0.766667,0.740000", lines[4]);
    }

    [Fact]
    public void Results_must_come_in_task_order() =>
        Assert.Throws<InvalidOperationException>(() => new AccuracyMatrix(3).Record(1, [1, 1], [2, 2]));
}
