using System.Buffers.Binary;
using System.IO.Compression;
using Cltool.Core.Errors;
using Cltool.Core.Imaging;

namespace Cltool.Core.Data;

/// <summary>Fashion-MNIST from its idx files (gzipped as Debian ships them, or plain), 28x28 grey, 10 classes.</summary>
public sealed class FashionMnist : IImageDataset
{
    public static readonly string[] Labels =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    readonly byte[] _images;
    readonly byte[] _labels;
    readonly int _rows, _columns;

    public string Name { get; }
    public DatasetSplit Split { get; }
    public IReadOnlyList<string> ClassNames => Labels;
    public int Count => _labels.Length;
    public bool FlipInvariant => true;

    public FashionMnist(string name, string directory, DatasetSplit split)
    {
        Name = name;
        Split = split;
        string prefix = split == DatasetSplit.Train ? "train" : "t10k";
        (_images, int imageCount, _rows, _columns) = ReadImages(Locate(directory, $"{prefix}-images-idx3-ubyte"));
        _labels = ReadLabels(Locate(directory, $"{prefix}-labels-idx1-ubyte"));
        if (imageCount != _labels.Length)
            throw new CltoolException($"Fashion-MNIST in '{directory}': {imageCount} {prefix} images but {_labels.Length} labels.");
        int bad = Array.FindIndex(_labels, label => label >= Labels.Length);
        if (bad >= 0) throw new CltoolException($"Fashion-MNIST in '{directory}': label {_labels[bad]} of item {bad} is not a class 0-9.");
    }

    public int LabelOf(int index) => _labels[index];

    public RgbImage Load(int index) =>
        RgbImage.FromGray(_columns, _rows, _images.AsSpan(index * _rows * _columns, _rows * _columns));

    /// <summary>The idx file <paramref name="baseName"/> in <paramref name="directory"/>, gzipped (as Debian ships it) or plain; null when absent.</summary>
    public static string? FindIdxFile(string directory, string baseName) =>
        new[] { baseName + ".gz", baseName }.Select(name => Path.Combine(directory, name)).FirstOrDefault(File.Exists);

    static string Locate(string directory, string baseName) =>
        FindIdxFile(directory, baseName) ?? throw new CltoolException($"Fashion-MNIST file '{baseName}(.gz)' is missing in '{directory}'; " +
                                  "install the Debian package dataset-fashion-mnist or give the folder that holds the idx files.");

    static byte[] ReadAll(string path)
    {
        try
        {
            using Stream file = File.OpenRead(path);
            using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }
        catch (InvalidDataException error)
        {
            throw new CltoolException($"Fashion-MNIST file '{path}' is corrupt: {CltoolException.OneLine(error.Message)}");
        }
    }

    static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        byte[] bytes = ReadAll(path);
        if (bytes.Length < 16 || BinaryPrimitives.ReadInt32BigEndian(bytes) != 0x803)
            throw new CltoolException($"'{path}' is not an idx3 image file (magic 0x00000803).");
        int count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8)), columns = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12));
        long expected = 16L + (long)count * rows * columns;
        if (bytes.Length != expected) throw new CltoolException($"'{path}' has {bytes.Length} bytes; its header promises {expected}.");
        return (bytes[16..], count, rows, columns);
    }

    static byte[] ReadLabels(string path)
    {
        byte[] bytes = ReadAll(path);
        if (bytes.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(bytes) != 0x801)
            throw new CltoolException($"'{path}' is not an idx1 label file (magic 0x00000801).");
        int count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        if (bytes.Length != 8 + count) throw new CltoolException($"'{path}' has {bytes.Length} bytes; its header promises {8 + count}.");
        return bytes[8..];
    }
}
