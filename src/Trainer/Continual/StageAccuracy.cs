namespace Cltool.Trainer.Continual;

/// <summary>The accuracy of one stage on the test split of a dataset, per task's classes and over all seen classes.</summary>
public sealed record StageAccuracy(string Checkpoint, string Data, int Task, int SeenClasses, long[] Correct, long[] Total)
{
    public double Overall => (double)Correct.Sum() / Math.Max(1, Total.Sum());
    public double OfTask(int task) => Total[task] == 0 ? double.NaN : (double)Correct[task] / Total[task];
}
