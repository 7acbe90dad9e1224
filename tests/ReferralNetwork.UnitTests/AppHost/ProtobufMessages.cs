using Google.Protobuf;

namespace ReferralNetwork.UnitTests.AppHost;

/// <summary>
/// Builds OTLP export requests field by field with Google's own protobuf encoder, so the AppHost's
/// hand-written decoder is checked against an independent writer.
/// </summary>
internal static class ProtobufMessages
{
    public static byte[] Message(Action<ProtobufWriter> write)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        write(new ProtobufWriter(output));
        output.Flush();
        return buffer.ToArray();
    }

    /// <summary>An OTLP KeyValue with a string AnyValue.</summary>
    public static byte[] KeyValue(string key, string value) =>
        Message(w =>
        {
            w.String(1, key);
            w.Field(2, Message(any => any.String(1, value)));
        });

    /// <summary>An OTLP KeyValue with an int AnyValue.</summary>
    public static byte[] KeyValue(string key, long value) =>
        Message(w =>
        {
            w.String(1, key);
            w.Field(2, Message(any => any.Varint(3, (ulong)value)));
        });

    public static ulong UnixNanoseconds(DateTimeOffset at) => (ulong)(at - DateTimeOffset.UnixEpoch).Ticks * 100;
}

/// <summary>Google's encoder with the wire type named beside each field number.</summary>
internal sealed class ProtobufWriter(CodedOutputStream output)
{
    public void Field(int number, byte[] message) => Bytes(number, message);

    public void Bytes(int number, byte[] bytes)
    {
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(bytes));
    }

    public void String(int number, string value)
    {
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
    }

    public void Varint(int number, ulong value)
    {
        output.WriteTag(number, WireFormat.WireType.Varint);
        output.WriteUInt64(value);
    }

    public void Fixed64(int number, ulong value)
    {
        output.WriteTag(number, WireFormat.WireType.Fixed64);
        output.WriteFixed64(value);
    }

    public void SFixed64(int number, long value)
    {
        output.WriteTag(number, WireFormat.WireType.Fixed64);
        output.WriteSFixed64(value);
    }

    public void Double(int number, double value)
    {
        output.WriteTag(number, WireFormat.WireType.Fixed64);
        output.WriteDouble(value);
    }

    /// <summary>A packed repeated fixed64 (what proto3 encoders send by default).</summary>
    public void PackedFixed64(int number, params ulong[] values) =>
        Bytes(number, ProtobufMessages.Message(w => Array.ForEach(values, w.RawFixed64)));

    /// <summary>A packed repeated double.</summary>
    public void PackedDouble(int number, params double[] values) =>
        Bytes(number, ProtobufMessages.Message(w => Array.ForEach(values, w.RawDouble)));

    private void RawFixed64(ulong value) => output.WriteFixed64(value);

    private void RawDouble(double value) => output.WriteDouble(value);
}
