namespace Cltool.Trainer.Native;

/// <summary>The intra-op threads libtorch computes with, OpenMP's wait policy, and why that count was chosen.</summary>
public sealed record ThreadPolicy(int Threads, string WaitPolicy, string Reason)
{
    public string Describe() => $"{Threads} intra-op thread{(Threads == 1 ? "" : "s")}, OpenMP wait {WaitPolicy} ({Reason})";
}
