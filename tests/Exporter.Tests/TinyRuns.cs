using Cltool.Core;
using Cltool.Core.Adapters.Routed;
using Cltool.Core.Continual;
using Cltool.Trainer;
using Cltool.Trainer.Continual;

namespace Cltool.Exporter.Tests;

/// <summary>
/// Real training runs of the tiny vit-test-16 base (5 tasks of Fashion-MNIST, one epoch each, seconds on a CPU), trained
/// once per method and shared by the tests of one class: the exporter is checked against what the trainer wrote.
/// </summary>
public sealed class TinyRuns : IDisposable
{
    readonly TemporaryDirectory _temporary = new();
    readonly Dictionary<string, RunDirectory> _runs = new();

    sealed class Silent : ITrainingObserver
    {
        public void EpochStarted(int epoch, int epochs, int steps) { }
        public void StepFinished(int epoch, int step, int steps, double loss, double learningRate, double imagesPerSecond) { }
        public void EpochFinished(int epoch, double meanLoss, double heldOutAccuracy, double seconds) { }
        public void Message(string text) { }
    }

    /// <summary>A finished tiny run of <paramref name="method"/>; <paramref name="headOption"/> may name a compensation too ("ca+linear").</summary>
    public RunDirectory Of(string method, string headOption = HeadAlignments.None, double? kdThreshold = null, CLoraSettings? clora = null)
    {
        lock (_runs)
        {
            string key = $"{method}-{headOption}-{kdThreshold:R}-{clora?.Targets}";
            if (_runs.TryGetValue(key, out RunDirectory? run)) return run;
            string path = _temporary.File(key);
            var recipe = new TrainRecipe
            {
                Method = method,
                Base = TinyBase.Write(_temporary.File($"{key}-base.safetensors")),
                TrainPerClass = 16,
                TestPerClass = 4,
                Epochs = 1,
                BatchSize = 8,
                LearningRate = 0.05,
                MinCropScale = 0.8,
                HeadAlign = HeadAlignments.AlignmentOf(headOption),
                HeadAlignCompensation = HeadAlignments.CompensationOf(headOption),
                KdThreshold = kdThreshold,
                Clora = clora,
            };
            new ContinualLearner(recipe, path, new Silent(), workers: 1).Run(resume: false, DeviceKind.Cpu);
            return _runs[key] = new RunDirectory(path);
        }
    }

    public void Dispose() => _temporary.Dispose();
}
