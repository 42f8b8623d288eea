"""A Pyodide 0.17 package (``numpy.js`` + ``numpy.data``) rewritten so that it costs fewer bytes on the wire.

    js, data = repack(open("numpy.js").read(), open("numpy.data", "rb").read())

Pyodide 0.17 builds each package with Emscripten's file packager and ``-s LZ4=1``: ``numpy.data`` is
every file of the package concatenated and cut into 2,048-byte chunks, each compressed as an LZ4 block
(https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md), and ``numpy.js`` holds the chunks'
offsets and the files' places, and hands both to Emscripten's LZ4 file system. LZ4 is made to
decompress fast, not to be small: NumPy's 17.3 MB are 8.67 MB in LZ4, 5.58 MB when a server gzips that,
but 3.80 MB when it gzips the plain bytes. So here the chunks are decompressed, NumPy's own test suite
(198 files under ``tests/``, 3.5 MB the page never imports) is left out, and the loader makes every file
from the plain bytes with ``FS_createPreloadedFile``, which runs the same preload plugins the LZ4 path
runs (Pyodide's compiles each ``.so`` there). The files that stay are byte for byte the package's.
"""
import json
import re

CHUNK = 2048      # Emscripten's LZ4.CHUNK_SIZE: every chunk but the last holds this many plain bytes
LEFT_OUT = re.compile(r"/tests/")     # a package's own test suite: never imported by the page
_FILE = re.compile(r'\{filename:"([^"\\]+)",start:(\d+),end:(\d+),audio:0\}')
_PACKAGE = re.compile(r'loadPackage\(\{files:\[(.*)\],remote_package_size:(\d+),package_uuid:"([0-9a-f-]+)"\}\)\}\)\(\);\s*$',
                      re.S)
_LZ4 = re.compile(r'var compressedData=\{data:null,cachedOffset:(\d+),cachedIndexes:\[-1,-1\],'
                  r'cachedChunks:\[null,null\],offsets:\[([0-9e,.]*)\],sizes:\[([0-9e,.]*)\],successes:\[([01,]*)\]\};'
                  r'compressedData\["data"\]=byteArray;assert\([^;]*\);'
                  r'Module\.LZ4\.loadPackage\(\{metadata:metadata,compressedData:compressedData\},true\);')
# What takes the LZ4 lines' place: each file from its plain bytes, through the preload plugins. The
# file system keeps views of the download (canOwn), not copies; a file that fails its plugin (a .so
# that does not compile) is logged and left out, so `import numpy` fails and says so, rather than the
# load waiting forever on a run dependency that a thrown error would never release.
_PLAIN = ('metadata.files.forEach(function(file){var cut=file.filename.lastIndexOf("/");'
          'Module["FS_createPreloadedFile"](file.filename.slice(0,cut)||"/",file.filename.slice(cut+1),'
          'byteArray.subarray(file.start,file.end),true,true,null,function(){console.error("cannot load "+file.filename)},'
          'false,true)});')


class PackageError(Exception):
    """The package is not laid out as Pyodide 0.17's file packager writes it."""


def lz4_block(src, size):
    """One LZ4 block (bytes) -> its ``size`` plain bytes. A block is sequences of: a token (high 4 bits
    literal count, low 4 match length - 4; 15 means more bytes follow, each added, until one under 255),
    the literals, a 2-byte little-endian offset back into the output, and the match, which may overlap
    its own output (offset 1 repeats one byte). The last sequence has literals only."""
    out, i, n = bytearray(), 0, len(src)
    while i < n:
        token = src[i]
        i += 1
        count, i = _length(src, i, token >> 4)
        out += src[i:i + count]
        i += count
        if i >= n:
            break
        if i + 2 > n:
            raise PackageError("an LZ4 block ends inside a match offset")
        offset = src[i] | src[i + 1] << 8
        length, i = _length(src, i + 2, token & 15)
        length += 4
        if not 0 < offset <= len(out):
            raise PackageError("an LZ4 match reaches back %d bytes into %d" % (offset, len(out)))
        start = len(out) - offset
        while length > 0:      # an overlapping match copies what it has just written: in steps of ``offset``
            piece = out[start:start + min(length, offset)]
            out += piece
            start, length = start + len(piece), length - len(piece)
    if len(out) != size:
        raise PackageError("an LZ4 block gave %d bytes, not %d" % (len(out), size))
    return bytes(out)


def _length(src, i, nibble):
    """A 4-bit length and its extension bytes at src[i:] -> (length, index after them)."""
    if nibble == 15:
        while True:
            if i >= len(src):
                raise PackageError("an LZ4 block ends inside a length")
            nibble += src[i]
            i += 1
            if src[i - 1] != 255:
                break
    return nibble, i


def _numbers(text):
    return [int(float(v)) for v in text.split(",")] if text else []    # the packager writes 113e3 for 113000


def _package(js):
    """The loader's closing loadPackage({files: [...], ...}) call, matched."""
    package = _PACKAGE.search(js)
    if not package:
        raise PackageError("no file list at the end of the package's loader")
    return package


def files_of(js, package=None):
    """The package's loader -> [(file name, start, end)] in its plain bytes."""
    package = package or _package(js)
    files = [(name, int(a), int(b)) for name, a, b in _FILE.findall(package.group(1))]
    if len(files) != package.group(1).count("{filename:"):
        raise PackageError("a file entry of an unexpected form in the package's loader")
    return files


def plain_bytes(js, data, files=None):
    """(loader, LZ4 data) -> the package's plain bytes: its files (files_of(js), unless given), one after another."""
    lz4 = _LZ4.search(js)
    if not lz4:
        raise PackageError("no LZ4 chunk table in the package's loader (already repacked, or not Pyodide 0.17's)")
    offsets, sizes, compressed = _numbers(lz4.group(2)), _numbers(lz4.group(3)), _numbers(lz4.group(4))
    total = max([end for _, _, end in (files if files is not None else files_of(js))] or [0])
    if not len(offsets) == len(sizes) == len(compressed) == -(-total // CHUNK) or int(lz4.group(1)) > len(data):
        raise PackageError("the LZ4 chunk table does not match the package's files or data")
    out = bytearray()
    for k, (offset, size, packed) in enumerate(zip(offsets, sizes, compressed)):
        want = min(CHUNK, total - k * CHUNK)
        chunk = data[offset:offset + size]
        out += lz4_block(chunk, want) if packed else chunk
    if len(out) != total:
        raise PackageError("the package's data gave %d bytes, its files need %d" % (len(out), total))
    return bytes(out)


def repack(js, data, left_out=LEFT_OUT):
    """(loader text, LZ4 data bytes) -> (loader text, plain data bytes) without the files ``left_out`` matches."""
    package = _package(js)
    files = files_of(js, package)
    plain = plain_bytes(js, data, files)
    kept, out, at = [], bytearray(), 0
    for name, start, end in files:
        if left_out.search(name):
            continue
        kept.append('{filename:%s,start:%d,end:%d,audio:0}' % (json.dumps(name), at, at + end - start))
        out += plain[start:end]
        at += end - start
    tail = 'loadPackage({files:[%s],remote_package_size:%d,package_uuid:"%s"})})();\n' % (
        ",".join(kept), len(out), package.group(3))
    js = _LZ4.sub(lambda _: _PLAIN, js[:package.start()], count=1) + tail
    return js, bytes(out)
