console.log("selrec");
