"""Pure extraction: bytes or a parsel Selector in, plain values out. Nothing here imports Scrapy."""
