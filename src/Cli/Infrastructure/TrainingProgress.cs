using Cltool.Trainer;
using Spectre.Console;

namespace Cltool.Cli.Infrastructure;

/// <summary>Renders training progress: live bars on a terminal, one plain line per tenth of an epoch otherwise.</summary>
public static class TrainingProgress
{
    public static T Run<T>(IAnsiConsole console, Func<ITrainingObserver, T> work)
    {
        if (!console.Profile.Capabilities.Interactive) return work(new PlainObserver(console));
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context => work(new LiveObserver(console, context)));
    }

    /// <summary>Held-out accuracy when the loop measured one this epoch (pretraining does; continual training evaluates per task).</summary>
    static string Accuracy(double value) => double.IsNaN(value) ? "" : $", held-out accuracy {value:P2}";

    sealed class PlainObserver(IAnsiConsole console) : ITrainingObserver
    {
        int _every = 1;

        public void EpochStarted(int epoch, int epochs, int steps) => _every = Math.Max(1, steps / 10);

        public void StepFinished(int epoch, int step, int steps, double loss, double learningRate, double imagesPerSecond)
        {
            if (step % _every == 0 || step == steps)
                console.WriteLine($"epoch {epoch + 1} step {step}/{steps}  loss {loss:F4}  lr {learningRate:E2}  {imagesPerSecond:F0} img/s");
        }

        public void EpochFinished(int epoch, double meanLoss, double heldOutAccuracy, double seconds) =>
            console.WriteLine($"epoch {epoch + 1} done: mean loss {meanLoss:F4}{Accuracy(heldOutAccuracy)}, {seconds:F0} s");

        public void Message(string text) => console.WriteLine(text);
    }

    sealed class LiveObserver(IAnsiConsole console, ProgressContext context) : ITrainingObserver
    {
        ProgressTask? _task;
        int _epochs;

        public void EpochStarted(int epoch, int epochs, int steps)
        {
            _epochs = epochs;
            _task = context.AddTask($"epoch {epoch + 1}/{epochs}", maxValue: steps);
        }

        public void StepFinished(int epoch, int step, int steps, double loss, double learningRate, double imagesPerSecond)
        {
            if (_task is null) return;
            _task.Value = step;
            _task.Description = $"epoch {epoch + 1}/{_epochs}  loss {loss:F3}  lr {learningRate:E1}  {imagesPerSecond:F0} img/s";
        }

        public void EpochFinished(int epoch, double meanLoss, double heldOutAccuracy, double seconds) =>
            console.MarkupLineInterpolated($"epoch {epoch + 1} done: mean loss {meanLoss:F4}{Accuracy(heldOutAccuracy)}, {seconds:F0} s");

        public void Message(string text) => console.MarkupLineInterpolated($"[grey]{text}[/]");
    }
}
