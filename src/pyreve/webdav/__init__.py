"""webdav"""
