using CsCheck;

namespace Cltool.Testing;

/// <summary>Generators of damaged copies of a valid file or body, for the fuzz tests of every input surface.</summary>
public static class ByteMutations
{
    /// <summary>
    /// 1 to 8 bytes of <paramref name="valid"/> replaced, inserted or deleted; half of the edits fall in the first
    /// <paramref name="focus"/> bytes (a file's header, where a damaged byte changes structure rather than one value).
    /// </summary>
    public static Gen<byte[]> Of(byte[] valid, int? focus = null)
    {
        int hot = Math.Clamp(focus ?? valid.Length, 1, valid.Length);
        Gen<int> position = Gen.OneOf(Gen.Int[0, hot - 1], Gen.Int[0, valid.Length - 1]);
        return Gen.Select(Gen.Int[0, 2], position, Gen.Byte).Array[1, 8].Select(edits =>
        {
            var body = new List<byte>(valid);
            foreach ((int kind, int at, byte value) in edits)
            {
                int where = Math.Min(at, body.Count - 1);
                if (kind == 0) body[where] = value;
                else if (kind == 1) body.Insert(where, value);
                else if (body.Count > 1) body.RemoveAt(where);
            }
            return body.ToArray();
        });
    }

    /// <summary>Every prefix of <paramref name="valid"/>, the empty one included: a file cut off by a crash or a full disk.</summary>
    public static Gen<byte[]> Truncations(byte[] valid) => Gen.Int[0, valid.Length - 1].Select(length => valid[..length]);

    /// <summary>Damaged or cut-off copies, in equal parts.</summary>
    public static Gen<byte[]> Damaged(byte[] valid, int? focus = null) => Gen.OneOf(Of(valid, focus), Truncations(valid));

    /// <summary>A case as a failure report shows it: the length and the first 300 bytes in hex.</summary>
    public static string Print(byte[] bytes) => $"{bytes.Length} bytes: {Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 300)))}";

    /// <summary>The length of a safetensors file's header (8-byte length prefix plus the JSON): the part worth mutating.</summary>
    public static int SafeTensorsHeader(byte[] file) => 8 + (int)Math.Min(BitConverter.ToUInt64(file, 0), (ulong)file.Length);
}
