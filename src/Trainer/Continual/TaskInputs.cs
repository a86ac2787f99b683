using Cltool.Core.Data;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual;

/// <summary>The learner's <see cref="ITaskInputs"/>: task <c>task</c>'s data; every pass is drawn from the run's seed, so a resumed run repeats it exactly.</summary>
public sealed class TaskInputs(TaskData data, int task, ContinualModel model, Device device, int seed) : ITaskInputs
{
    public int Tasks => data.Scenario.Tasks;

    public Tensor NewClassMeans() => data.ClassMeans(task, model, device);

    public void ForwardTrainingImages(int pass) =>
        data.ForwardTrainingImages(task, model, device, DeterministicRandom.Seed(seed, task, RandomStreams.InputMoments), pass);
}
