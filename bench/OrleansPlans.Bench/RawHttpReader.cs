using System.Net.Sockets;
using System.Text;

namespace OrleansPlans.Bench;

/// <summary>The status line and the headers a reader needs of one response, and how many body bytes it carried.</summary>
public readonly record struct RawResponse(int Status, long BodyBytes, string? ETag, string? ContentEncoding);

/// <summary>
/// One keep-alive HTTP/1.1 connection that sends the same GET again and again and reads each response to its last
/// byte without decoding it — what wrk and h2load do per connection. The read phases' readers stand for committee
/// members' browsers on their own machines; here they share the gateway's 2 cores, and HttpClient's per-request work
/// (request and header objects, its connection pool, the response stream) cost the readers 0.046 ms of CPU per
/// read, a quarter of the machine; this reader costs 0.034 ms (session 10, runs hc1/raw1; the rest is the kernel's
/// receive of ~20 KB and .NET's socket engine), leaving that much more to the system under test. It understands what the gateway sends: Content-Length or chunked bodies, 304 and 204
/// without a body, and Connection: close; anything else is an error (InvalidDataException).
/// </summary>
public sealed class RawHttpReader(Uri baseAddress, string pathAndQuery, IEnumerable<KeyValuePair<string, IEnumerable<string>>> headers) : IDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly string _requestHead = BuildHead(baseAddress, pathAndQuery, headers);
    private readonly byte[] _buffer = new byte[BufferSize];
    private byte[]? _request;
    private string? _requestETag;
    private Socket? _socket;
    private int _start, _end;

    private static string BuildHead(Uri baseAddress, string pathAndQuery, IEnumerable<KeyValuePair<string, IEnumerable<string>>> headers)
    {
        var head = new StringBuilder();
        head.Append("GET ").Append(pathAndQuery.StartsWith('/') ? pathAndQuery : "/" + pathAndQuery).Append(" HTTP/1.1\r\n");
        head.Append("Host: ").Append(baseAddress.Authority).Append("\r\n");
        head.Append("Accept-Encoding: gzip\r\n");
        foreach (var (name, values) in headers)
        {
            head.Append(name).Append(": ").Append(string.Join(", ", values)).Append("\r\n");
        }
        return head.ToString();
    }

    /// <summary>
    /// Sends the GET (with If-None-Match when <paramref name="ifNoneMatch"/> is given) and reads the whole response;
    /// the body is copied to <paramref name="keepBody"/> when given, otherwise only counted. After an exception the
    /// connection is dropped and the next call opens a new one.
    /// </summary>
    public async Task<RawResponse> GetAsync(string? ifNoneMatch, Stream? keepBody)
    {
        try
        {
            if (_socket is null)
            {
                _socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await _socket.ConnectAsync(baseAddress.Host, baseAddress.Port);
                _start = _end = 0;
            }
            await _socket.SendAsync(Request(ifNoneMatch), SocketFlags.None);
            return await ReadResponseAsync(keepBody);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private byte[] Request(string? ifNoneMatch)
    {
        if (_request is null || _requestETag != ifNoneMatch)
        {
            _request = Encoding.ASCII.GetBytes(_requestHead + (ifNoneMatch is null ? "" : $"If-None-Match: {ifNoneMatch}\r\n") + "\r\n");
            _requestETag = ifNoneMatch;
        }
        return _request;
    }

    private async Task<RawResponse> ReadResponseAsync(Stream? keepBody)
    {
        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            await FillAsync();
        }
        var head = Encoding.ASCII.GetString(_buffer, _start, headerEnd);
        _start += headerEnd + 4;
        var lines = head.Split("\r\n");
        var statusLine = lines[0].Split(' ', 3);
        if (statusLine.Length < 2 || !statusLine[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(statusLine[1], out var status))
        {
            throw new InvalidDataException($"not an HTTP/1.x status line: '{lines[0]}'");
        }
        long? contentLength = null;
        bool chunked = false, close = false;
        string? etag = null, encoding = null;
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                throw new InvalidDataException($"malformed header line: '{line}'");
            }
            var name = line.AsSpan(0, colon).Trim();
            var value = line.AsSpan(colon + 1).Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                contentLength = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
            }
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                close = value.Equals("close", StringComparison.OrdinalIgnoreCase);
            }
            else if (name.Equals("ETag", StringComparison.OrdinalIgnoreCase))
            {
                etag = value.ToString();
            }
            else if (name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                encoding = value.ToString();
            }
        }
        long body = 0;
        if (status is 304 or 204 || status < 200)
        {
            // No body by definition (RFC 9110 §6.4.1).
        }
        else if (chunked)
        {
            while (true)
            {
                var sizeLine = await ReadLineAsync();
                var size = long.Parse(sizeLine.Split(';')[0].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    // Trailers, if any, end with an empty line.
                    while ((await ReadLineAsync()).Length > 0)
                    {
                    }
                    break;
                }
                await ConsumeAsync(size, keepBody);
                body += size;
                if ((await ReadLineAsync()).Length != 0)
                {
                    throw new InvalidDataException("a chunk did not end with CRLF");
                }
            }
        }
        else if (contentLength is { } length)
        {
            await ConsumeAsync(length, keepBody);
            body = length;
        }
        else
        {
            throw new InvalidDataException("a response without Content-Length or chunked encoding");
        }
        if (close)
        {
            Dispose();
        }
        return new RawResponse(status, body, etag, encoding);
    }

    /// <summary>Takes <paramref name="count"/> body bytes from the buffer and the socket.</summary>
    private async Task ConsumeAsync(long count, Stream? keep)
    {
        while (count > 0)
        {
            if (_start == _end)
            {
                await FillAsync();
            }
            var take = (int)Math.Min(count, _end - _start);
            keep?.Write(_buffer, _start, take);
            _start += take;
            count -= take;
        }
    }

    private async Task<string> ReadLineAsync()
    {
        int end;
        while ((end = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
        {
            await FillAsync();
        }
        var line = Encoding.ASCII.GetString(_buffer, _start, end);
        _start += end + 2;
        return line;
    }

    /// <summary>Reads more bytes after what is buffered (moved to the front first when the buffer's end is reached).</summary>
    private async Task FillAsync()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            if (_start == 0)
            {
                throw new InvalidDataException($"a header block or chunk line longer than {BufferSize} bytes");
            }
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        var read = await _socket!.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
        if (read == 0)
        {
            throw new IOException("the gateway closed the connection in the middle of a response");
        }
        _end += read;
    }

    public void Dispose()
    {
        _socket?.Dispose();
        _socket = null;
        _start = _end = 0;
    }
}
