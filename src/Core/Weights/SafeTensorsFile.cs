using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using Cltool.Core.Errors;
using Microsoft.Win32.SafeHandles;

namespace Cltool.Core.Weights;

/// <summary>
/// Reads a safetensors file (8-byte little-endian header length, JSON header, raw little-endian row-major data).
/// The header is validated as the reference implementation does; tensors are read on demand straight from the
/// file into their destination, so a large file is never held in memory twice.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    const long MaxHeaderBytes = 100_000_000;

    /// <summary>Bytes per element of every dtype the format defines (sub-byte float types are not supported).</summary>
    public static readonly IReadOnlyDictionary<string, int> DTypeSizes = new Dictionary<string, int>
    {
        ["BOOL"] = 1,
        ["U8"] = 1,
        ["I8"] = 1,
        ["F8_E5M2"] = 1,
        ["F8_E4M3"] = 1,
        ["F8_E8M0"] = 1,
        ["F8_E4M3FNUZ"] = 1,
        ["F8_E5M2FNUZ"] = 1,
        ["I16"] = 2,
        ["U16"] = 2,
        ["F16"] = 2,
        ["BF16"] = 2,
        ["I32"] = 4,
        ["U32"] = 4,
        ["F32"] = 4,
        ["F64"] = 8,
        ["I64"] = 8,
        ["U64"] = 8,
        ["C64"] = 8,
    };

    readonly SafeFileHandle _handle;
    readonly long _dataStart;

    public string Path { get; }
    /// <summary>Tensors in the order of their data in the file.</summary>
    public IReadOnlyList<TensorEntry> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    readonly Dictionary<string, TensorEntry> _byName;

    SafeTensorsFile(string path, SafeFileHandle handle, long dataStart, List<TensorEntry> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(tensor => tensor.Name);
    }

    public static SafeTensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw CltoolException.MissingFile("Weights file", path);
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            return Parse(path, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public TensorEntry this[string name] =>
        _byName.TryGetValue(name, out TensorEntry? entry) ? entry : throw Invalid($"it has no tensor '{name}'");

    /// <summary>A tensor a file of this kind must hold, as float32 with its shape; missing, one line naming the file and the tensor.</summary>
    public HostTensor ReadRequired(string name) => Contains(name)
        ? new HostTensor(ReadFloats(name), this[name].Shape)
        : throw new CltoolException($"'{Path}' lacks the tensor '{name}'.");

    /// <summary>
    /// An adapter tensor of exactly <paramref name="shape"/>: missing, "lacks the <paramref name="kind"/> tensor"; of another
    /// shape, one line with both shapes and <paramref name="why"/> (what the expected shape comes from).
    /// </summary>
    public HostTensor ReadShaped(string name, long[] shape, string kind, string why)
    {
        if (!Contains(name)) throw new CltoolException($"'{Path}' lacks the {kind} tensor '{name}'.");
        HostTensor tensor = new(ReadFloats(name), this[name].Shape);
        return tensor.Shape.SequenceEqual(shape) ? tensor
            : throw new CltoolException($"'{Path}' tensor '{name}' has shape {tensor.ShapeText}; expected [{string.Join(", ", shape)}] ({why}).");
    }

    /// <summary>Reads a floating-point tensor (F32, F16, BF16 or F64) as float32.</summary>
    public float[] ReadFloats(string name)
    {
        TensorEntry entry = this[name];
        var values = new float[checked((int)entry.ElementCount)];
        ReadFloats(entry, values);
        return values;
    }

    public void ReadFloats(TensorEntry entry, Span<float> destination)
    {
        if (destination.Length != entry.ElementCount)
            throw new ArgumentException($"'{entry.Name}' has {entry.ElementCount} elements, the destination {destination.Length}.");
        long offset = _dataStart + entry.Begin;
        switch (entry.DType)
        {
            case "F32":
                ReadExactly(MemoryMarshal.AsBytes(destination), offset);
                if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts");
                return;
            case "F16":
                ConvertChunks(destination, offset, 2, (bytes, into) =>
                {
                    for (int i = 0; i < into.Length; i++) into[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]));
                });
                return;
            case "BF16":
                ConvertChunks(destination, offset, 2, (bytes, into) =>
                {
                    for (int i = 0; i < into.Length; i++) into[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                });
                return;
            case "F64":
                ConvertChunks(destination, offset, 8, (bytes, into) =>
                {
                    for (int i = 0; i < into.Length; i++) into[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                });
                return;
            default:
                throw Invalid($"tensor '{entry.Name}' has dtype {entry.DType}; expected a float type (F32, F16, BF16 or F64)");
        }
    }

    /// <summary>Reads an F64 tensor as stored (another dtype is an error: a float64 tensor must round-trip exactly).</summary>
    public double[] ReadDoubles(string name)
    {
        TensorEntry entry = this[name];
        if (entry.DType != "F64") throw Invalid($"tensor '{name}' has dtype {entry.DType}; expected F64");
        var values = new double[checked((int)entry.ElementCount)];
        ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()), _dataStart + entry.Begin);
        return values;
    }

    /// <summary>Reads a tensor's bytes exactly as stored.</summary>
    public byte[] ReadRaw(string name)
    {
        TensorEntry entry = this[name];
        var bytes = new byte[checked((int)(entry.End - entry.Begin))];
        ReadExactly(bytes, _dataStart + entry.Begin);
        return bytes;
    }

    public void Dispose() => _handle.Dispose();

    delegate void Converter(ReadOnlySpan<byte> bytes, Span<float> into);

    void ConvertChunks(Span<float> destination, long offset, int elementSize, Converter convert)
    {
        const int chunkElements = 1 << 18;
        byte[] buffer = new byte[Math.Min(destination.Length, chunkElements) * elementSize];
        for (int start = 0; start < destination.Length; start += chunkElements)
        {
            int count = Math.Min(chunkElements, destination.Length - start);
            Span<byte> bytes = buffer.AsSpan(0, count * elementSize);
            ReadExactly(bytes, offset + (long)start * elementSize);
            convert(bytes, destination.Slice(start, count));
        }
    }

    void ReadExactly(Span<byte> destination, long offset)
    {
        while (destination.Length > 0)
        {
            int read = RandomAccess.Read(_handle, destination, offset);
            if (read == 0) throw Invalid("it ended early while reading tensor data");
            destination = destination[read..];
            offset += read;
        }
    }

    CltoolException Invalid(string why) => Invalid(Path, why);

    static CltoolException Invalid(string path, string why) => new($"Weights file '{path}' is not valid safetensors: {why}.");

    static SafeTensorsFile Parse(string path, SafeFileHandle handle)
    {
        long fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8) throw Invalid(path, $"it has {fileLength} bytes, fewer than the 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        RandomAccess.Read(handle, lengthBytes, 0);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes) throw Invalid(path, $"the header claims {headerLength} bytes (limit {MaxHeaderBytes})");
        if (8 + (long)headerLength > fileLength) throw Invalid(path, $"it is truncated: the header needs {headerLength} bytes, the file has {fileLength - 8}");

        byte[] header = new byte[headerLength];
        RandomAccess.Read(handle, header, 8);
        if (header.Length == 0 || header[0] != (byte)'{') throw Invalid(path, "the header does not start with '{'");
        // The JSON reader checks a string's UTF-8 only when the string is read, with an exception of its own: check once here.
        if (!Utf8.IsValid(header)) throw Invalid(path, "the header is not UTF-8 text");

        var tensors = new List<TensorEntry>();
        var metadata = new Dictionary<string, string>();
        try
        {
            using JsonDocument document = JsonDocument.Parse(header);
            var seen = new HashSet<string>();
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name)) throw Invalid(path, $"the key '{property.Name}' appears twice");
                if (property.Name == "__metadata__") ReadMetadata(path, property.Value, metadata);
                else tensors.Add(ReadEntry(path, property));
            }
        }
        catch (JsonException error)
        {
            throw Invalid(path, $"the header is not JSON ({error.Message})");
        }

        // By begin, then end: an empty tensor shares its begin with the next one and must come first.
        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expectedBegin = 0;
        foreach (TensorEntry tensor in tensors)
        {
            if (tensor.Begin != expectedBegin)
                throw Invalid(path, $"tensor '{tensor.Name}' starts at {tensor.Begin}, expected {expectedBegin} (data must be contiguous)");
            expectedBegin = tensor.End;
        }
        long dataStart = 8 + (long)headerLength;
        if (dataStart + expectedBegin != fileLength)
            throw Invalid(path, dataStart + expectedBegin > fileLength
                ? $"it is truncated: the tensors need {expectedBegin} bytes of data, the file has {fileLength - dataStart}"
                : $"it has {fileLength - dataStart - expectedBegin} bytes after the last tensor");
        return new SafeTensorsFile(path, handle, dataStart, tensors, metadata);
    }

    static void ReadMetadata(string path, JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object) throw Invalid(path, "__metadata__ is not an object");
        foreach (JsonProperty entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String) throw Invalid(path, $"__metadata__ value '{entry.Name}' is not a string");
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    static TensorEntry ReadEntry(string path, JsonProperty property)
    {
        string name = property.Name;
        JsonElement value = property.Value;
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out JsonElement dtype) || dtype.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out JsonElement shape) || shape.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2)
            throw Invalid(path, $"tensor '{name}' needs dtype, shape and two data_offsets");
        string type = dtype.GetString()!;
        if (!DTypeSizes.TryGetValue(type, out int size)) throw Invalid(path, $"tensor '{name}' has unknown dtype '{type}'");
        long Integer(JsonElement element, string what) => element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out long number)
            ? number : throw Invalid(path, $"tensor '{name}' has a {what} that is not an integer");
        long[] dims = shape.EnumerateArray().Select(dim => Integer(dim, "dimension")).ToArray();
        if (dims.Any(dim => dim < 0)) throw Invalid(path, $"tensor '{name}' has a negative dimension");
        long begin = Integer(offsets[0], "data offset"), end = Integer(offsets[1], "data offset");
        var entry = new TensorEntry(name, type, dims, begin, end);
        if (begin < 0 || end < begin || end - begin != entry.ElementCount * size)
            throw Invalid(path, $"tensor '{name}' {type}{entry.ShapeText} needs {entry.ElementCount * size} bytes, its offsets give {end - begin}");
        return entry;
    }
}
