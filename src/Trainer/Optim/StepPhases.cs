namespace Cltool.Trainer.Optim;

/// <summary>Where a training step's time goes, summed over steps: the forward pass with the loss, backward, and the update (clipping and optimizer).</summary>
public sealed class StepPhases
{
    public TimeSpan Forward { get; private set; }
    public TimeSpan Backward { get; private set; }
    public TimeSpan Update { get; private set; }
    public int Steps { get; private set; }

    public void Add(TimeSpan forward, TimeSpan backward, TimeSpan update)
    {
        Forward += forward;
        Backward += backward;
        Update += update;
        Steps++;
    }
}
