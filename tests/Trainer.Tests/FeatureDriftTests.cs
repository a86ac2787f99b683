using Cltool.Core;
using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Trainer.Continual;
using static TorchSharp.torch;

namespace Cltool.Trainer.Tests;

/// <summary>Class-mean drift of a real ca run, measured at two stages against the statistics the run stored.</summary>
public sealed class FeatureDriftTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    TrainRecipe Recipe(string headAlign, string compensation = DriftCompensations.None) => new()
    {
        Method = Methods.SdLora,
        Base = TinyBase.Write(_temporary.File("base.safetensors")),
        TrainPerClass = 24,
        TestPerClass = 10,
        Epochs = 1,
        InitEpochs = 2,
        BatchSize = 8,
        LearningRate = 0.05,
        MinCropScale = 0.8,
        HeadAlign = headAlign,
        HeadAlignCompensation = compensation,
    };

    string Train(string headAlign, string compensation = DriftCompensations.None)
    {
        string run = _temporary.File($"{headAlign}-{compensation}");
        new ContinualLearner(Recipe(headAlign, compensation), run, new Recorder(), workers: 1).Run(resume: false, DeviceKind.Cpu);
        return run;
    }

    [Fact]
    public void The_last_task_has_not_moved_and_earlier_tasks_have_at_every_stage()
    {
        string run = Train(HeadAlignments.ClassifierAlign);

        IReadOnlyList<TaskDrift> end = FeatureDrift.Measure(run, stage: null, workers: 1, CPU);
        IReadOnlyList<TaskDrift> second = FeatureDrift.Measure(run, stage: 2, workers: 1, CPU);

        Assert.Equal([0, 1, 2, 3, 4], end.Select(d => d.Task));
        Assert.All(end, d => Assert.Equal(2, d.Relative.Length));
        // The stage's own task was measured by this very model on these images: only the stored float32 rounding differs.
        Assert.True(end[4].MaxRelative < 1e-5, $"task 5 moved {end[4].MaxRelative} at its own stage");
        Assert.True(end[4].MeanCosine > 1 - 1e-9);
        Assert.Equal(2, second.Count);
        Assert.True(second[1].MaxRelative < 1e-5, $"task 2 moved {second[1].MaxRelative} at its own stage");
        // Later tasks of LoRA training move task 1's means, by a different amount at each stage.
        Assert.True(end[0].MeanRelative > 1e-3, $"task 1 drifted only {end[0].MeanRelative} by the end");
        Assert.True(second[0].MeanRelative > 1e-4 && second[0].MeanRelative != end[0].MeanRelative);
        Assert.All(end.Take(4), d => Assert.InRange(d.MeanCosine, 0, 1 - 1e-9));
    }

    [Fact]
    public void A_compensated_run_scores_the_error_of_every_compensation_s_statistics_and_a_replay_with_other_settings()
    {
        string run = Train(HeadAlignments.ClassifierAlign, DriftCompensations.Linear);

        IReadOnlyList<TaskDrift> end = FeatureDrift.Measure(run, stage: null, workers: 1, CPU);
        IReadOnlyList<TaskDrift> wider = FeatureDrift.Measure(run, stage: null, workers: 1, CPU, bandwidth: 4, ridge: 10);

        Assert.All(end, d => Assert.Equal(DriftCompensations.All, d.Errors.Keys));
        // The stage's own task enters every lineage as measured: no error but float32 rounding.
        Assert.All(end[4].Errors.Values, errors => Assert.True(errors.Max() < 1e-5));
        static double Overall(IReadOnlyList<TaskDrift> drifts, string compensation) => drifts.SelectMany(d => d.Errors[compensation]).Average();
        // On this run both compensations bring the stored means closer to where the classes are now.
        Assert.True(Overall(end, DriftCompensations.Linear) < Overall(end, DriftCompensations.None),
            $"linear {Overall(end, DriftCompensations.Linear)} vs none {Overall(end, DriftCompensations.None)}");
        Assert.True(Overall(end, DriftCompensations.MeanShift) < Overall(end, DriftCompensations.None),
            $"mean-shift {Overall(end, DriftCompensations.MeanShift)} vs none {Overall(end, DriftCompensations.None)}");
        // Other hyper-parameters move only the compensated statistics.
        Assert.Equal(end[0].Errors[DriftCompensations.None], wider[0].Errors[DriftCompensations.None]);
        Assert.NotEqual(end[0].Errors[DriftCompensations.Linear], wider[0].Errors[DriftCompensations.Linear]);
        Assert.NotEqual(end[0].Errors[DriftCompensations.MeanShift], wider[0].Errors[DriftCompensations.MeanShift]);
    }

    [Fact]
    public void A_run_without_class_statistics_is_one_error_naming_the_head_options_that_store_them()
    {
        string run = Train(HeadAlignments.None);

        var error = Assert.Throws<CltoolException>(() => FeatureDrift.Measure(run, stage: null, workers: 1, CPU));

        Assert.Contains("holds no class statistics", error.Message);
        Assert.Contains("--head-align ca or ca-restore", error.Message);
    }
}
