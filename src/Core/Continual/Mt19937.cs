namespace Cltool.Core.Continual;

/// <summary>Mersenne Twister MT19937 seeded with init_genrand, as numpy's legacy RandomState(seed) with an int seed.</summary>
sealed class Mt19937
{
    const int N = 624, M = 397;
    readonly uint[] _state = new uint[N];
    int _index = N;

    public Mt19937(uint seed)
    {
        _state[0] = seed;
        for (int i = 1; i < N; i++) _state[i] = 1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30)) + (uint)i;
    }

    public uint NextUInt32()
    {
        if (_index >= N) Regenerate();
        uint y = _state[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        return y ^ (y >> 18);
    }

    /// <summary>numpy's rk_interval: a uniform integer in [0, max] by masking to the next power of two and rejecting.</summary>
    public uint Interval(uint max)
    {
        uint mask = max;
        for (int shift = 1; shift <= 16; shift <<= 1) mask |= mask >> shift;
        uint value;
        do value = NextUInt32() & mask; while (value > max);
        return value;
    }

    void Regenerate()
    {
        for (int i = 0; i < N; i++)
        {
            uint y = (_state[i] & 0x80000000u) | (_state[(i + 1) % N] & 0x7fffffffu);
            _state[i] = _state[(i + M) % N] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908b0dfu : 0u);
        }
        _index = 0;
    }
}
