"""The baseline: a bare FastAPI endpoint that returns 200, served exactly like Kyodo."""

from fastapi import FastAPI, Request, Response

app = FastAPI()


@app.post("/bare")
async def bare(request: Request) -> Response:
    await request.body()
    return Response(b"OK")
