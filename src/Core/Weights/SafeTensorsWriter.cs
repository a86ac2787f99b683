using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Cltool.Core.IO;

namespace Cltool.Core.Weights;

/// <summary>Writes safetensors files atomically (temporary file, flush, rename), header padded to 8 bytes.</summary>
public sealed class SafeTensorsWriter
{
    readonly List<(string Name, string DType, long[] Shape, byte[] Data)> _tensors = [];
    readonly HashSet<string> _names = [];

    public Dictionary<string, string> Metadata { get; } = new();

    /// <summary>Adds a float tensor, stored as F32, F16 or BF16 (rounded to nearest even).</summary>
    public SafeTensorsWriter Add(string name, ReadOnlySpan<float> values, long[] shape, string dtype = "F32")
    {
        long count = shape.Aggregate(1L, (product, dim) => product * dim);
        if (count != values.Length)
            throw new ArgumentException($"Tensor '{name}' has {values.Length} values but shape [{string.Join(", ", shape)}] needs {count}.");
        byte[] data = dtype switch
        {
            "F32" => MemoryMarshal.AsBytes(values).ToArray(),
            "F16" => Encode(values, 2, (value, into) => BinaryPrimitives.WriteUInt16LittleEndian(into, BitConverter.HalfToUInt16Bits((Half)value))),
            "BF16" => Encode(values, 2, (value, into) => BinaryPrimitives.WriteUInt16LittleEndian(into, ToBFloat16(value))),
            _ => throw new ArgumentException($"Cannot store floats as {dtype}; expected F32, F16 or BF16."),
        };
        return AddRaw(name, dtype, shape, data);
    }

    /// <summary>Adds a float64 tensor, stored as F64 (numbers a run must reread bit for bit, such as InfLoRA's subspace bases).</summary>
    public SafeTensorsWriter Add(string name, ReadOnlySpan<double> values, long[] shape)
    {
        long count = shape.Aggregate(1L, (product, dim) => product * dim);
        if (count != values.Length)
            throw new ArgumentException($"Tensor '{name}' has {values.Length} values but shape [{string.Join(", ", shape)}] needs {count}.");
        return AddRaw(name, "F64", shape, MemoryMarshal.AsBytes(values).ToArray());
    }

    public SafeTensorsWriter AddRaw(string name, string dtype, long[] shape, byte[] data)
    {
        if (!_names.Add(name)) throw new ArgumentException($"Tensor '{name}' was added twice.");
        _tensors.Add((name, dtype, shape, data));
        return this;
    }

    public void Save(string path) => AtomicFile.Write(path, WriteTo);

    public void WriteTo(Stream stream)
    {
        byte[] header = BuildHeader();
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var tensor in _tensors) stream.Write(tensor.Data);
    }

    byte[] BuildHeader()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (Metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach ((string key, string value) in Metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal)) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var tensor in _tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType);
                json.WriteStartArray("shape");
                foreach (long dim in tensor.Shape) json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset += tensor.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        int padding = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < padding; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    delegate void Encoder(float value, Span<byte> into);

    static byte[] Encode(ReadOnlySpan<float> values, int size, Encoder encode)
    {
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++) encode(values[i], bytes.AsSpan(i * size, size));
        return bytes;
    }

    static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }
}
