"""A minimal Parquet writer for the tests: exact bytes, so a test can build one precise
defect (a dictionary index out of range, a definition level above the maximum, a column
chunk outside the file) or a type no npm writer produces (INT96, FIXED_LEN_BYTE_ARRAY
decimals). Thrift compact protocol and the page layout as parquet-format specifies them."""
import struct

I32, I64, BINARY, LIST, STRUCT, TRUE, FALSE = 5, 6, 8, 9, 12, 1, 2


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def zigzag(n):
    return varint((n << 1) ^ (n >> 63))


def value(kind, v):
    if kind in (I32, I64):
        return zigzag(v)
    if kind == BINARY:
        data = v.encode() if isinstance(v, str) else v
        return varint(len(data)) + data
    if kind == STRUCT:
        return thrift_struct(v)
    if kind == LIST:
        element, items = v
        head = bytes([(len(items) << 4) | element]) if len(items) < 15 else bytes([0xF0 | element]) + varint(len(items))
        return head + b"".join(value(element, item) for item in items)
    raise ValueError(kind)


def thrift_struct(fields):
    """fields: [(id, kind, value)] in increasing id order; a bool is kind TRUE or FALSE, value None."""
    out, last = bytearray(), 0
    for field_id, kind, v in fields:
        delta = field_id - last
        out += bytes([(delta << 4) | kind]) if 0 < delta <= 15 else bytes([kind]) + zigzag(field_id)
        if kind not in (TRUE, FALSE):
            out += value(kind, v)
        last = field_id
    return bytes(out + b"\x00")


def rle_run(value_, count, width_bytes=1):
    return varint(count << 1) + value_.to_bytes(width_bytes, "little")


def page(page_type, body, num_values, encoding=0, uncompressed=None):
    """A page header and its (stored) body: DATA_PAGE (0) or DICTIONARY_PAGE (2)."""
    if page_type == 2:
        detail = (7, STRUCT, [(1, I32, num_values), (2, I32, encoding)])
    else:
        detail = (5, STRUCT, [(1, I32, num_values), (2, I32, encoding), (3, I32, 3), (4, I32, 3)])
    header = thrift_struct([(1, I32, page_type), (2, I32, len(body) if uncompressed is None else uncompressed),
                            (3, I32, len(body)), detail])
    return header + body


def parquet_file(name, physical, pages, rows, optional=False, logical=None, converted=None, type_length=None,
                 scale=None, precision=None, chunk_offset=None, chunk_size=None, dictionary=False, codec=0):
    """One column `name` in one row group; pages: the bytes of its pages, back to back."""
    data = b"".join(pages)
    offset = 4 if chunk_offset is None else chunk_offset
    leaf = [(1, I32, physical)]
    if type_length is not None:
        leaf.append((2, I32, type_length))
    leaf += [(3, I32, 1 if optional else 0), (4, BINARY, name)]
    if converted is not None:
        leaf.append((6, I32, converted))
    if scale is not None:
        leaf += [(7, I32, scale), (8, I32, precision)]
    if logical is not None:
        leaf.append((10, STRUCT, logical))
    meta = [(1, I32, physical), (2, LIST, (I32, [0, 3])), (3, LIST, (BINARY, [name])), (4, I32, codec), (5, I64, rows),
            (6, I64, len(data)), (7, I64, len(data) if chunk_size is None else chunk_size),
            (9, I64, offset + (len(pages[0]) if dictionary else 0))]
    if dictionary:
        meta.append((11, I64, offset))
    footer = thrift_struct([
        (1, I32, 1),
        (2, LIST, (STRUCT, [[(4, BINARY, "schema"), (5, I32, 1)], leaf])),
        (3, I64, rows),
        (4, LIST, (STRUCT, [[(1, LIST, (STRUCT, [[(2, I64, offset), (3, STRUCT, meta)]])), (2, I64, len(data)), (3, I64, rows)]])),
    ])
    return b"PAR1" + data + footer + struct.pack("<I", len(footer)) + b"PAR1"


def plain_int32(values):
    return b"".join(struct.pack("<i", v) for v in values)


def optional_levels(levels):
    """Definition levels of a v1 page (bit width 1) as one bit-packed run, length-prefixed."""
    groups = (len(levels) + 7) // 8
    packed = bytearray(groups)
    for i, level in enumerate(levels):
        packed[i // 8] |= (level & 1) << (i % 8)
    runs = varint((groups << 1) | 1) + bytes(packed)
    return struct.pack("<I", len(runs)) + runs


def parquet_file_groups(name, physical, groups):
    """One REQUIRED column in several row groups: groups is [(pages, rows)]; no pages and
    0 rows is an empty row group."""
    data, row_groups, offset = b"", [], 4
    for pages, rows in groups:
        chunk = b"".join(pages)
        meta = [(1, I32, physical), (2, LIST, (I32, [0])), (3, LIST, (BINARY, [name])), (4, I32, 0), (5, I64, rows),
                (6, I64, len(chunk)), (7, I64, len(chunk)), (9, I64, offset)]
        row_groups.append([(1, LIST, (STRUCT, [[(2, I64, offset), (3, STRUCT, meta)]])), (2, I64, len(chunk)), (3, I64, rows)])
        data += chunk
        offset += len(chunk)
    footer = thrift_struct([
        (1, I32, 1),
        (2, LIST, (STRUCT, [[(4, BINARY, "schema"), (5, I32, 1)], [(1, I32, physical), (3, I32, 0), (4, BINARY, name)]])),
        (3, I64, sum(rows for _, rows in groups)),
        (4, LIST, (STRUCT, row_groups)),
    ])
    return b"PAR1" + data + footer + struct.pack("<I", len(footer)) + b"PAR1"
