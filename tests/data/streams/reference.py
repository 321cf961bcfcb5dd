#!/usr/bin/env python3
"""An independent reading of the recorded provider streams
(../shared/corpora/streams/), written apart from archie's decoder: what
each stream holds, per the protocols' documentation.  Its output,
reviewed by hand, is expected.jsonl, which tests/unit/test_streams.c
holds archie's decoder to.

  python3 reference.py ../shared/corpora/streams > expected.jsonl
"""
import json, sys, os

STOP = {"stop": "end_turn", "tool_calls": "tool_use", "function_call": "tool_use",
        "length": "max_tokens", "content_filter": "refusal"}


def events(raw):
    for block in raw.replace("\r\n", "\n").split("\n\n"):
        name, data = "", []
        for line in block.split("\n"):
            if line.startswith(":"):
                continue
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:][1:] if line[5:].startswith(" ") else line[5:])
        if data:
            yield name, "\n".join(data)


def texts(v):
    if isinstance(v, str):
        return v
    out = ""
    for p in v or []:
        if isinstance(p, str):
            out += p
        elif isinstance(p.get("text"), str):
            out += p["text"]
    return out


def openai(raw):
    text, reasoning, calls, stop, error = "", "", [], None, False
    by_index = {}
    for name, data in events(raw):
        if data == "[DONE]":
            break
        if name == "error":
            error = True
            break
        j = json.loads(data)
        if j.get("error"):
            error = True
            break
        ch = (j.get("choices") or [{}])[0]
        d = ch.get("delta") or ch.get("message") or {}
        c = d.get("content")
        if isinstance(c, str):
            text += c
        elif isinstance(c, list):
            for p in c:
                t = p.get("type")
                if t == "thinking":
                    reasoning += texts(p.get("thinking"))
                elif t in (None, "text"):
                    text += texts(p.get("text"))
        r = d.get("reasoning_content")
        if not isinstance(r, str):
            r = d.get("reasoning")
        if isinstance(r, str):
            reasoning += r
        elif "reasoning_content" not in d:
            for p in d.get("reasoning_details") or []:
                x = p.get("text") if isinstance(p.get("text"), str) else p.get("summary")
                if isinstance(x, str):
                    reasoning += x
        for tc in d.get("tool_calls") or []:
            idx = tc.get("index")
            tid = tc.get("id") or ""
            fn = tc.get("function") or {}
            cur = None
            if tid and not any(x["id"] == tid for x in calls):
                cur = {"id": tid, "name": "", "arguments": ""}
                calls.append(cur)
                if idx is not None:
                    by_index[idx] = cur
            elif tid:
                cur = next(x for x in calls if x["id"] == tid)
            elif idx is not None and idx in by_index:
                cur = by_index[idx]
            elif calls:
                cur = calls[-1]
            if cur is None:
                cur = {"id": "", "name": "", "arguments": ""}
                calls.append(cur)
            if fn.get("name") and not cur["name"]:
                cur["name"] = fn["name"]
            if isinstance(fn.get("arguments"), str):
                cur["arguments"] += fn["arguments"]
        fr = ch.get("finish_reason")
        if isinstance(fr, str):
            stop = STOP.get(fr, fr)
    if stop is None and not error:
        stop = "tool_use" if calls else "end_turn"
    return text, reasoning, calls, stop, error


def anthropic(raw):
    text, reasoning, calls, stop, error, kinds = "", "", [], None, False, {}
    open_calls = {}
    for name, data in events(raw):
        j = json.loads(data)
        t = j.get("type") or name
        if t == "content_block_start":
            cb = j["content_block"]
            kinds[j["index"]] = cb.get("type")
            if cb.get("type") == "tool_use":
                c = {"id": cb["id"], "name": cb["name"], "arguments": ""}
                calls.append(c)
                open_calls[j["index"]] = c
            elif cb.get("type") == "text":
                text += cb.get("text") or ""
            elif cb.get("type") == "thinking":
                reasoning += cb.get("thinking") or ""
        elif t == "content_block_delta":
            d = j["delta"]
            if d.get("type") == "text_delta":
                text += d["text"]
            elif d.get("type") == "thinking_delta":
                reasoning += d["thinking"]
            elif d.get("type") == "input_json_delta" and j["index"] in open_calls:
                open_calls[j["index"]]["arguments"] += d["partial_json"]
        elif t == "message_delta":
            if (j.get("delta") or {}).get("stop_reason"):
                stop = j["delta"]["stop_reason"]
        elif t == "error":
            error = True
            break
    for c in calls:
        if c["arguments"] == "":
            c["arguments"] = "{}"
    return text, reasoning, calls, stop, error


def main(root):
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(root, "MANIFEST.tsv"))][1:]
    for r in rows:
        path, proto = r[1], r[2]
        raw = open(os.path.join(root, path), encoding="utf-8").read()
        text, reasoning, calls, stop, error = (anthropic if proto == "anthropic" else openai)(raw)
        print(json.dumps({"file": path, "protocol": proto, "text": text, "reasoning": reasoning,
                          "calls": calls, "stop": None if error else stop, "error": error},
                         ensure_ascii=False))


main(sys.argv[1])
