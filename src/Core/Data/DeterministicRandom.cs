namespace Cltool.Core.Data;

/// <summary>
/// Seeds derived from several integers (seed, epoch, index, ...) with SplitMix64, identical on every machine and run;
/// unlike <see cref="HashCode"/>, which is randomised per process.
/// </summary>
public static class DeterministicRandom
{
    public static int Seed(params long[] parts)
    {
        ulong state = 0x9E3779B97F4A7C15UL;
        foreach (long part in parts) state = Mix(state ^ (ulong)part);
        return (int)(state & 0x7FFFFFFF);
    }

    public static Random Create(params long[] parts) => new(Seed(parts));

    static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
